//! The finding rules: one [`Rule`] variant per kind of difference, with its stable id, level,
//! direction, semver bump and documentation.
//!
//! Rules that judge a schema come in pairs, one per [`Direction`]: the same change is read
//! contravariantly in requests (narrowing breaks old clients) and covariantly in responses
//! (widening breaks them). Each rule's level is fixed, so the catalogue can state it.

mod catalogue;
mod concepts;

use serde::{Serialize, Serializer};

use super::{Bump, Direction, Level};

/// Declares the [`Rule`] enum, its id and summary tables and the list of all rules at once, so
/// that a new variant cannot be left out of any of them.
macro_rules! rules {
    ($($variant:ident = $id:literal: $summary:literal,)*) => {
        /// A kind of difference between two versions of the schema.
        ///
        /// The enum is exhaustive on purpose: adding a rule breaks every `match` that must
        /// handle it. [`Rule::docs`] renders the full documentation of a rule.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Rule {
            $(
                #[doc = concat!("`", $id, "`: ", $summary, ".")]
                $variant,
            )*
        }

        const ALL: &[Rule] = &[$(Rule::$variant,)*];

        impl Rule {
            /// The stable kebab-case id (`response-property-removed`), used to suppress a finding.
            pub fn id(&self) -> &'static str {
                match self {
                    $(Self::$variant => $id,)*
                }
            }

            /// One line that says what the rule detects.
            pub fn summary(&self) -> &'static str {
                match self {
                    $(Self::$variant => $summary,)*
                }
            }
        }
    };
}

rules! {
    // Declared by changes rather than seen in the schema.
    StatusCodeChanged = "response-status-code-changed": "an endpoint answers another status code where it used to answer one",
    CustomBreakingChange = "custom-breaking-change": "a `custom` change that its author declared breaking",
    CustomAdditiveChange = "custom-additive-change": "a `custom` change that its author declared additive",
    CustomPatchChange = "custom-patch-change": "a `custom` change that its author declared a patch",
    // Endpoints and routes.
    EndpointAdded = "endpoint-added": "an endpoint was added",
    EndpointRemoved = "endpoint-removed": "an endpoint was removed",
    EndpointMethodAdded = "endpoint-method-added": "an endpoint answers a new HTTP method",
    EndpointMethodRemoved = "endpoint-method-removed": "an endpoint no longer answers an HTTP method",
    EndpointPathChanged = "endpoint-path-changed": "an endpoint's path template changed",
    // Lifecycle.
    EndpointBecamePreview = "endpoint-became-preview": "a stable endpoint went back to preview",
    EndpointLeftPreview = "endpoint-left-preview": "a preview endpoint became generally available",
    EndpointDeprecated = "endpoint-deprecated": "an endpoint was deprecated or its deprecation date changed",
    EndpointUndeprecated = "endpoint-undeprecated": "an endpoint is no longer deprecated",
    EndpointSunsetSet = "endpoint-sunset-set": "an endpoint got a sunset date",
    EndpointSunsetChanged = "endpoint-sunset-changed": "an endpoint's sunset date moved",
    EndpointSunsetRemoved = "endpoint-sunset-removed": "an endpoint's sunset date was withdrawn",
    EndpointRetired = "endpoint-retired": "an endpoint was retired",
    EndpointUnretired = "endpoint-unretired": "a retired endpoint was brought back",
    EndpointRetirementChanged = "endpoint-retirement-changed": "a retired endpoint's successor or redirect changed",
    // Request bodies and parameters.
    RequestBodyAdded = "request-body-added": "an endpoint now takes a request body",
    RequestBodyRemoved = "request-body-removed": "an endpoint no longer takes a request body",
    RequestMediaTypeChanged = "request-media-type-changed": "the media type of a request body changed",
    RequestParameterAdded = "request-parameter-added": "an optional parameter was added",
    RequestRequiredParameterAdded = "request-required-parameter-added": "a required parameter was added",
    RequestParameterRemoved = "request-parameter-removed": "a parameter was removed",
    RequestParameterBecameRequired = "request-parameter-became-required": "an optional parameter became required",
    RequestParameterBecameOptional = "request-parameter-became-optional": "a required parameter became optional",
    // Responses and errors.
    ResponseSuccessStatusAdded = "response-success-status-added": "a success status (below 400) was added",
    ResponseSuccessStatusRemoved = "response-success-status-removed": "a success status (below 400) was removed",
    ResponseErrorStatusAdded = "response-error-status-added": "an error status (400 and up) was added",
    ResponseErrorStatusRemoved = "response-error-status-removed": "an error status (400 and up) was removed",
    ResponseMediaTypeChanged = "response-media-type-changed": "the media type of a response body changed",
    ErrorShapeChanged = "error-shape-changed": "the media type or presence of an error body schema changed",
    // Object properties.
    RequestPropertyAdded = "request-property-added": "an optional property was added to a request",
    ResponsePropertyAdded = "response-property-added": "an optional property was added to a response",
    RequestRequiredPropertyAdded = "request-required-property-added": "a required property was added to a request",
    ResponseRequiredPropertyAdded = "response-required-property-added": "a required property was added to a response",
    RequestPropertyRemoved = "request-property-removed": "a property was removed from a request",
    ResponsePropertyRemoved = "response-property-removed": "a property was removed from a response",
    RequestPropertyRenamed = "request-property-renamed": "a property of a request was renamed",
    ResponsePropertyRenamed = "response-property-renamed": "a property of a response was renamed",
    RequestPropertyBecameRequired = "request-property-became-required": "a request property became required",
    ResponsePropertyBecameRequired = "response-property-became-required": "a response property became required",
    RequestPropertyBecameOptional = "request-property-became-optional": "a request property became optional",
    ResponsePropertyBecameOptional = "response-property-became-optional": "a response property became optional",
    // Types and nullability.
    RequestTypeChanged = "request-type-changed": "a request value changed to an incompatible type",
    ResponseTypeChanged = "response-type-changed": "a response value changed to an incompatible type",
    RequestTypeWidened = "request-type-widened": "a request value accepts more types",
    ResponseTypeWidened = "response-type-widened": "a response value may have more types",
    RequestTypeNarrowed = "request-type-narrowed": "a request value accepts fewer types",
    ResponseTypeNarrowed = "response-type-narrowed": "a response value has fewer types",
    RequestBecameNullable = "request-became-nullable": "a request value accepts `null`",
    ResponseBecameNullable = "response-became-nullable": "a response value may be `null`",
    RequestBecameNonNullable = "request-became-non-nullable": "a request value no longer accepts `null`",
    ResponseBecameNonNullable = "response-became-non-nullable": "a response value is never `null` any more",
    RequestTypeReferenceChanged = "request-type-reference-changed": "a request `$ref` points to another named type",
    ResponseTypeReferenceChanged = "response-type-reference-changed": "a response `$ref` points to another named type",
    // Enums.
    RequestEnumValueAdded = "request-enum-value-added": "a request enum accepts a new value",
    ResponseEnumValueAdded = "response-enum-value-added": "a response enum may carry a new value",
    RequestEnumValueRemoved = "request-enum-value-removed": "a request enum no longer accepts a value",
    ResponseEnumValueRemoved = "response-enum-value-removed": "a response enum no longer carries a value",
    RequestEnumConstraintAdded = "request-enum-constraint-added": "a request value became restricted to an enum",
    ResponseEnumConstraintAdded = "response-enum-constraint-added": "a response value became restricted to an enum",
    RequestEnumConstraintRemoved = "request-enum-constraint-removed": "a request value is no longer restricted to an enum",
    ResponseEnumConstraintRemoved = "response-enum-constraint-removed": "a response value is no longer restricted to an enum",
    // String constraints.
    RequestMinLengthIncreased = "request-min-length-increased": "a request string's `minLength` rose",
    ResponseMinLengthIncreased = "response-min-length-increased": "a response string's `minLength` rose",
    RequestMinLengthDecreased = "request-min-length-decreased": "a request string's `minLength` fell",
    ResponseMinLengthDecreased = "response-min-length-decreased": "a response string's `minLength` fell",
    RequestMaxLengthDecreased = "request-max-length-decreased": "a request string's `maxLength` fell or was set",
    ResponseMaxLengthDecreased = "response-max-length-decreased": "a response string's `maxLength` fell or was set",
    RequestMaxLengthIncreased = "request-max-length-increased": "a request string's `maxLength` rose or was removed",
    ResponseMaxLengthIncreased = "response-max-length-increased": "a response string's `maxLength` rose or was removed",
    RequestPatternAdded = "request-pattern-added": "a request string got a `pattern`",
    ResponsePatternAdded = "response-pattern-added": "a response string got a `pattern`",
    RequestPatternRemoved = "request-pattern-removed": "a request string lost its `pattern`",
    ResponsePatternRemoved = "response-pattern-removed": "a response string lost its `pattern`",
    RequestPatternChanged = "request-pattern-changed": "a request string's `pattern` changed",
    ResponsePatternChanged = "response-pattern-changed": "a response string's `pattern` changed",
    RequestFormatAdded = "request-format-added": "a request string got a `format`",
    ResponseFormatAdded = "response-format-added": "a response string got a `format`",
    RequestFormatRemoved = "request-format-removed": "a request string lost its `format`",
    ResponseFormatRemoved = "response-format-removed": "a response string lost its `format`",
    RequestFormatChanged = "request-format-changed": "a request string's `format` changed",
    ResponseFormatChanged = "response-format-changed": "a response string's `format` changed",
    // Number constraints.
    RequestMinimumIncreased = "request-minimum-increased": "a request number's lower bound rose or was set",
    ResponseMinimumIncreased = "response-minimum-increased": "a response number's lower bound rose or was set",
    RequestMinimumDecreased = "request-minimum-decreased": "a request number's lower bound fell or was removed",
    ResponseMinimumDecreased = "response-minimum-decreased": "a response number's lower bound fell or was removed",
    RequestMaximumDecreased = "request-maximum-decreased": "a request number's upper bound fell or was set",
    ResponseMaximumDecreased = "response-maximum-decreased": "a response number's upper bound fell or was set",
    RequestMaximumIncreased = "request-maximum-increased": "a request number's upper bound rose or was removed",
    ResponseMaximumIncreased = "response-maximum-increased": "a response number's upper bound rose or was removed",
    RequestMultipleOfNarrowed = "request-multiple-of-narrowed": "a request number's `multipleOf` became stricter",
    ResponseMultipleOfNarrowed = "response-multiple-of-narrowed": "a response number's `multipleOf` became stricter",
    RequestMultipleOfWidened = "request-multiple-of-widened": "a request number's `multipleOf` became looser",
    ResponseMultipleOfWidened = "response-multiple-of-widened": "a response number's `multipleOf` became looser",
    RequestMultipleOfChanged = "request-multiple-of-changed": "a request number's `multipleOf` changed",
    ResponseMultipleOfChanged = "response-multiple-of-changed": "a response number's `multipleOf` changed",
    // Array constraints.
    RequestMinItemsIncreased = "request-min-items-increased": "a request array's `minItems` rose",
    ResponseMinItemsIncreased = "response-min-items-increased": "a response array's `minItems` rose",
    RequestMinItemsDecreased = "request-min-items-decreased": "a request array's `minItems` fell",
    ResponseMinItemsDecreased = "response-min-items-decreased": "a response array's `minItems` fell",
    RequestMaxItemsDecreased = "request-max-items-decreased": "a request array's `maxItems` fell or was set",
    ResponseMaxItemsDecreased = "response-max-items-decreased": "a response array's `maxItems` fell or was set",
    RequestMaxItemsIncreased = "request-max-items-increased": "a request array's `maxItems` rose or was removed",
    ResponseMaxItemsIncreased = "response-max-items-increased": "a response array's `maxItems` rose or was removed",
    RequestUniqueItemsAdded = "request-unique-items-added": "a request array must hold unique items",
    ResponseUniqueItemsAdded = "response-unique-items-added": "a response array holds unique items",
    RequestUniqueItemsRemoved = "request-unique-items-removed": "a request array may hold duplicates",
    ResponseUniqueItemsRemoved = "response-unique-items-removed": "a response array may hold duplicates",
    // Object constraints.
    RequestAdditionalPropertiesNarrowed = "request-additional-properties-narrowed": "a request object accepts fewer extra properties",
    ResponseAdditionalPropertiesNarrowed = "response-additional-properties-narrowed": "a response object has fewer extra properties",
    RequestAdditionalPropertiesWidened = "request-additional-properties-widened": "a request object accepts more extra properties",
    ResponseAdditionalPropertiesWidened = "response-additional-properties-widened": "a response object may have more extra properties",
    // Composition.
    RequestAlternativeAdded = "request-alternative-added": "a `oneOf`/`anyOf` of a request got an alternative",
    ResponseAlternativeAdded = "response-alternative-added": "a `oneOf`/`anyOf` of a response got an alternative",
    RequestAlternativeRemoved = "request-alternative-removed": "a `oneOf`/`anyOf` of a request lost an alternative",
    ResponseAlternativeRemoved = "response-alternative-removed": "a `oneOf`/`anyOf` of a response lost an alternative",
    RequestAllOfMemberAdded = "request-all-of-member-added": "an `allOf` of a request got a member",
    ResponseAllOfMemberAdded = "response-all-of-member-added": "an `allOf` of a response got a member",
    RequestAllOfMemberRemoved = "request-all-of-member-removed": "an `allOf` of a request lost a member",
    ResponseAllOfMemberRemoved = "response-all-of-member-removed": "an `allOf` of a response lost a member",
    // Access and annotations.
    RequestReadOnlyAdded = "request-read-only-added": "a request value became `readOnly`",
    ResponseReadOnlyAdded = "response-read-only-added": "a response value became `readOnly`",
    RequestReadOnlyRemoved = "request-read-only-removed": "a request value is no longer `readOnly`",
    ResponseReadOnlyRemoved = "response-read-only-removed": "a response value is no longer `readOnly`",
    RequestWriteOnlyAdded = "request-write-only-added": "a request value became `writeOnly`",
    ResponseWriteOnlyAdded = "response-write-only-added": "a response value became `writeOnly`",
    RequestWriteOnlyRemoved = "request-write-only-removed": "a request value is no longer `writeOnly`",
    ResponseWriteOnlyRemoved = "response-write-only-removed": "a response value is no longer `writeOnly`",
    RequestDefaultChanged = "request-default-changed": "a request value's `default` changed",
    ResponseDefaultChanged = "response-default-changed": "a response value's `default` changed",
    RequestSchemaChanged = "request-schema-changed": "a request schema keyword without a dedicated rule changed",
    ResponseSchemaChanged = "response-schema-changed": "a response schema keyword without a dedicated rule changed",
}

impl Rule {
    /// Every rule, in declaration order.
    pub fn all() -> &'static [Rule] {
        ALL
    }

    /// The rule with this id, if any.
    pub fn from_id(id: &str) -> Option<Rule> {
        ALL.iter().copied().find(|rule| rule.id() == id)
    }

    /// How serious a finding of this rule is.
    pub fn level(&self) -> Level {
        catalogue::meta(*self).level
    }

    /// Which side of the exchange the rule judges.
    pub fn direction(&self) -> Direction {
        catalogue::meta(*self).direction
    }

    /// The smallest version bump a finding of this rule calls for.
    pub fn bump(&self) -> Bump {
        catalogue::meta(*self).bump
    }

    /// The rule's documentation in Markdown: what it does, why it is (not) breaking, an example
    /// and how to migrate (the template ruff uses for its rules).
    pub fn docs(&self) -> String {
        let meta = catalogue::meta(*self);
        format!(
            "# {id}\n\n{summary}.\n\nLevel: {level}. Direction: {direction}. Bump: {bump}.\n\n\
             ## What it does\n\n{what}\n\n## Why is this breaking?\n\n{why}\n\n\
             ## Example\n\n{example}\n\n## Migration\n\n{migration}\n",
            id = self.id(),
            summary = capitalise(self.summary()),
            level = meta.level.as_str(),
            direction = meta.direction.as_str(),
            bump = meta.bump.as_str(),
            what = meta.concept.what,
            why = meta.why,
            example = meta.concept.example,
            migration = meta.concept.migration,
        )
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

impl Serialize for Rule {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.id())
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn ids_are_unique_kebab_case_and_round_trip() {
        let mut seen = BTreeSet::new();
        for rule in Rule::all() {
            let id = rule.id();
            assert!(seen.insert(id), "duplicate id `{id}`");
            assert!(
                id.chars().all(|c| c.is_ascii_lowercase() || c == '-') && !id.starts_with('-'),
                "`{id}` is not kebab-case"
            );
            assert_eq!(Rule::from_id(id), Some(*rule));
        }
        assert_eq!(Rule::from_id("no-such-rule"), None);
    }

    #[test]
    fn schema_rules_name_their_direction() {
        for rule in Rule::all() {
            let id = rule.id();
            let expected = if id.starts_with("request-") {
                Direction::Request
            } else if id.starts_with("response-") || id.starts_with("error-") {
                Direction::Response
            } else {
                Direction::Endpoint
            };
            assert_eq!(rule.direction(), expected, "{id}");
        }
    }

    #[test]
    fn bump_follows_level() {
        for rule in Rule::all() {
            match rule.level() {
                Level::Breaking => assert_eq!(rule.bump(), Bump::Major, "{rule}"),
                Level::PotentiallyBreaking => assert_eq!(rule.bump(), Bump::Minor, "{rule}"),
                Level::NonBreaking => assert_ne!(rule.bump(), Bump::Major, "{rule}"),
            }
        }
    }

    #[test]
    fn docs_follow_the_template() {
        for rule in Rule::all() {
            let docs = rule.docs();
            for heading in [
                "## What it does",
                "## Why is this breaking?",
                "## Example",
                "## Migration",
            ] {
                assert!(docs.contains(heading), "{rule} lacks {heading}");
            }
            assert!(!rule.summary().ends_with('.'), "{rule}");
        }
        insta::assert_snapshot!(Rule::ResponsePropertyRemoved.docs());
    }
}
