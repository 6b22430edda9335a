//! Level, direction, bump and "why" of every rule.
//!
//! The levels follow one principle: a request must keep accepting what old clients send, so
//! narrowing it is breaking; a response must stay understandable to old clients, so widening it
//! is breaking (or potentially breaking where well-behaved clients cope, such as a looser
//! `maxLength` or a new enum value).

use super::Rule;
use super::concepts::{self as c, Concept};
use crate::findings::{Bump, Direction, Level};

/// Everything the catalogue knows about one rule.
#[derive(Clone, Copy)]
pub(super) struct Meta {
    pub direction: Direction,
    pub level: Level,
    pub bump: Bump,
    pub why: &'static str,
    pub concept: &'static Concept,
}

const NARROW_REQUEST: &str = "Old clients may send values the new version rejects, so their requests \
                              start failing validation.";
const NARROW_RESPONSE: &str = "Every value the server sends now was already allowed before, so old \
                               clients keep understanding responses.";
const WIDEN_REQUEST: &str = "Everything old clients send is still accepted.";
const WIDEN_RESPONSE: &str = "The server may send values old clients have never seen. Clients that \
                              validate strictly, or size storage by the old limit, may fail.";
const WIDEN_RESPONSE_BREAKING: &str = "The server may send values old clients cannot decode.";
const LIFECYCLE: &str = "It is not breaking: the endpoint keeps working the same way; only headers \
                         and documentation change.";

fn rule(
    direction: Direction,
    level: Level,
    bump: Bump,
    concept: &'static Concept,
    why: &'static str,
) -> Meta {
    Meta {
        direction,
        level,
        bump,
        why,
        concept,
    }
}

fn endpoint(level: Level, bump: Bump, concept: &'static Concept, why: &'static str) -> Meta {
    rule(Direction::Endpoint, level, bump, concept, why)
}

fn request(level: Level, bump: Bump, concept: &'static Concept, why: &'static str) -> Meta {
    rule(Direction::Request, level, bump, concept, why)
}

fn response(level: Level, bump: Bump, concept: &'static Concept, why: &'static str) -> Meta {
    rule(Direction::Response, level, bump, concept, why)
}

/// Narrowing a request: breaking.
fn request_narrowed(concept: &'static Concept) -> Meta {
    request(Level::Breaking, Bump::Major, concept, NARROW_REQUEST)
}

/// Widening a request: adds capability.
fn request_widened(concept: &'static Concept) -> Meta {
    request(Level::NonBreaking, Bump::Minor, concept, WIDEN_REQUEST)
}

/// Narrowing a response: safe.
fn response_narrowed(concept: &'static Concept) -> Meta {
    response(Level::NonBreaking, Bump::Minor, concept, NARROW_RESPONSE)
}

/// Widening a response where tolerant clients cope.
fn response_widened(concept: &'static Concept) -> Meta {
    response(
        Level::PotentiallyBreaking,
        Bump::Minor,
        concept,
        WIDEN_RESPONSE,
    )
}

pub(super) fn meta(rule: Rule) -> Meta {
    use Bump::{Major, Minor, Patch};
    use Level::{Breaking, NonBreaking, PotentiallyBreaking};
    match rule {
        Rule::EndpointAdded => endpoint(
            NonBreaking,
            Minor,
            &c::ENDPOINT_ADDED,
            "It is not breaking: old clients never call it.",
        ),
        Rule::StatusCodeChanged => response(
            Breaking,
            Major,
            &c::STATUS_CODE_CHANGED,
            "Old clients branch on the status code they know.",
        ),
        Rule::CustomBreakingChange => endpoint(
            Breaking,
            Major,
            &c::CUSTOM_CHANGE,
            "Its author says so: the behaviour changes in a way old clients notice.",
        ),
        Rule::CustomAdditiveChange => endpoint(
            NonBreaking,
            Minor,
            &c::CUSTOM_CHANGE,
            "Its author says it only adds capability.",
        ),
        Rule::CustomPatchChange => endpoint(
            NonBreaking,
            Patch,
            &c::CUSTOM_CHANGE,
            "Its author says it changes nothing a client can see.",
        ),
        Rule::EndpointRemoved => endpoint(
            Breaking,
            Major,
            &c::ENDPOINT_REMOVED,
            "Old clients that call it get `404`.",
        ),
        Rule::EndpointMethodAdded => endpoint(
            NonBreaking,
            Minor,
            &c::METHOD_ADDED,
            "It is not breaking: old clients never use it.",
        ),
        Rule::EndpointMethodRemoved => endpoint(
            Breaking,
            Major,
            &c::METHOD_REMOVED,
            "Old clients that use the method get `405`.",
        ),
        Rule::EndpointPathChanged => endpoint(
            Breaking,
            Major,
            &c::PATH_CHANGED,
            "Old clients call the old path and get `404`.",
        ),
        Rule::EndpointBecamePreview => endpoint(
            Breaking,
            Major,
            &c::BECAME_PREVIEW,
            "Clients that have not opted in to previews lose access to the endpoint.",
        ),
        Rule::EndpointLeftPreview => endpoint(
            NonBreaking,
            Minor,
            &c::LEFT_PREVIEW,
            "It is not breaking: it makes the endpoint available to more clients.",
        ),
        Rule::EndpointDeprecated => endpoint(NonBreaking, Patch, &c::DEPRECATED, LIFECYCLE),
        Rule::EndpointUndeprecated => endpoint(NonBreaking, Patch, &c::UNDEPRECATED, LIFECYCLE),
        Rule::EndpointSunsetSet => endpoint(
            NonBreaking,
            Patch,
            &c::SUNSET_SET,
            "It is not breaking yet: the endpoint works until the date, and the `Sunset` header warns clients.",
        ),
        Rule::EndpointSunsetChanged => endpoint(
            NonBreaking,
            Patch,
            &c::SUNSET_CHANGED,
            "It is not breaking yet: the endpoint works until the date.",
        ),
        Rule::EndpointSunsetRemoved => endpoint(NonBreaking, Patch, &c::SUNSET_REMOVED, LIFECYCLE),
        Rule::EndpointRetired => endpoint(
            Breaking,
            Major,
            &c::RETIRED,
            "Clients of the new version that call it get `410 Gone` or a redirect: for them it is as good as removed.",
        ),
        Rule::EndpointUnretired => endpoint(
            NonBreaking,
            Minor,
            &c::UNRETIRED,
            "It is not breaking: it makes the endpoint available again.",
        ),
        Rule::EndpointRetirementChanged => endpoint(
            NonBreaking,
            Patch,
            &c::RETIREMENT_CHANGED,
            "It is not breaking: the endpoint was already retired.",
        ),
        Rule::RequestBodyAdded => request(
            Breaking,
            Major,
            &c::REQUEST_BODY_ADDED,
            "Old clients send no body, which the new version expects.",
        ),
        Rule::RequestBodyRemoved => request(
            PotentiallyBreaking,
            Minor,
            &c::REQUEST_BODY_REMOVED,
            "Old clients still send the body; the server ignores what it carried.",
        ),
        Rule::RequestMediaTypeChanged => request(
            Breaking,
            Major,
            &c::MEDIA_TYPE_CHANGED,
            "Old clients send the old media type, which the server no longer accepts.",
        ),
        Rule::RequestParameterAdded => request_widened(&c::PARAMETER_ADDED),
        Rule::RequestRequiredParameterAdded => request(
            Breaking,
            Major,
            &c::REQUIRED_PARAMETER_ADDED,
            "Old clients do not send it, so their requests fail.",
        ),
        Rule::RequestParameterRemoved => request(
            PotentiallyBreaking,
            Minor,
            &c::PARAMETER_REMOVED,
            "Old clients still send it and the server ignores it, so what they asked for (a filter, a sort order) silently stops happening.",
        ),
        Rule::RequestParameterBecameRequired => request(
            Breaking,
            Major,
            &c::PARAMETER_BECAME_REQUIRED,
            "Old clients that leave it out get a validation error.",
        ),
        Rule::RequestParameterBecameOptional => request_widened(&c::PARAMETER_BECAME_OPTIONAL),
        Rule::ResponseSuccessStatusAdded => response(
            PotentiallyBreaking,
            Minor,
            &c::SUCCESS_STATUS_ADDED,
            "Old clients may not handle a success status they have never seen.",
        ),
        Rule::ResponseSuccessStatusRemoved => response(
            Breaking,
            Major,
            &c::SUCCESS_STATUS_REMOVED,
            "Old clients wait for a status the server no longer sends and get another one.",
        ),
        Rule::ResponseErrorStatusAdded => response(
            NonBreaking,
            Minor,
            &c::ERROR_STATUS_ADDED,
            "It is not breaking: clients must handle error statuses generically anyway.",
        ),
        Rule::ResponseErrorStatusRemoved => response(
            NonBreaking,
            Patch,
            &c::ERROR_STATUS_REMOVED,
            "It is not breaking: old clients simply never see that error.",
        ),
        Rule::ResponseMediaTypeChanged => response(
            Breaking,
            Major,
            &c::MEDIA_TYPE_CHANGED,
            "Old clients cannot decode the new media type.",
        ),
        Rule::ErrorShapeChanged => response(
            Breaking,
            Major,
            &c::ERROR_SHAPE_CHANGED,
            "Old clients parse error bodies in the old shape.",
        ),
        Rule::RequestPropertyAdded => request_widened(&c::PROPERTY_ADDED),
        Rule::ResponsePropertyAdded => response(
            NonBreaking,
            Minor,
            &c::PROPERTY_ADDED,
            "It is not breaking: clients ignore properties they do not know.",
        ),
        Rule::RequestRequiredPropertyAdded => request(
            Breaking,
            Major,
            &c::REQUIRED_PROPERTY_ADDED,
            "Old clients do not send it, so their requests fail validation.",
        ),
        Rule::ResponseRequiredPropertyAdded => response(
            NonBreaking,
            Minor,
            &c::REQUIRED_PROPERTY_ADDED,
            "It is not breaking: clients ignore properties they do not know.",
        ),
        Rule::RequestPropertyRemoved => request(
            PotentiallyBreaking,
            Minor,
            &c::PROPERTY_REMOVED,
            "Old clients still send it; the server ignores (or, on closed objects, rejects) it, so what it asked for silently stops happening.",
        ),
        Rule::ResponsePropertyRemoved => response(
            Breaking,
            Major,
            &c::PROPERTY_REMOVED,
            "Old clients read a property that is no longer there.",
        ),
        Rule::RequestPropertyRenamed => request(
            Breaking,
            Major,
            &c::PROPERTY_RENAMED,
            "Old clients send the old name, which the server no longer reads.",
        ),
        Rule::ResponsePropertyRenamed => response(
            Breaking,
            Major,
            &c::PROPERTY_RENAMED,
            "Old clients read the old name, which is no longer there.",
        ),
        Rule::RequestPropertyBecameRequired => request(
            Breaking,
            Major,
            &c::PROPERTY_BECAME_REQUIRED,
            "Old clients that leave it out get a validation error.",
        ),
        Rule::ResponsePropertyBecameRequired => response_narrowed(&c::PROPERTY_BECAME_REQUIRED),
        Rule::RequestPropertyBecameOptional => request_widened(&c::PROPERTY_BECAME_OPTIONAL),
        Rule::ResponsePropertyBecameOptional => response(
            Breaking,
            Major,
            &c::PROPERTY_BECAME_OPTIONAL,
            "Old clients expect it in every response and fail when it is missing.",
        ),
        Rule::RequestTypeChanged => request(
            Breaking,
            Major,
            &c::TYPE_CHANGED,
            "Old clients send values of the old type, which the server rejects.",
        ),
        Rule::ResponseTypeChanged => response(
            Breaking,
            Major,
            &c::TYPE_CHANGED,
            "Old clients cannot decode values of the new type.",
        ),
        Rule::RequestTypeWidened => request_widened(&c::TYPE_WIDENED),
        Rule::ResponseTypeWidened => {
            response(Breaking, Major, &c::TYPE_WIDENED, WIDEN_RESPONSE_BREAKING)
        }
        Rule::RequestTypeNarrowed => request_narrowed(&c::TYPE_NARROWED),
        Rule::ResponseTypeNarrowed => response_narrowed(&c::TYPE_NARROWED),
        Rule::RequestBecameNullable => request_widened(&c::BECAME_NULLABLE),
        Rule::ResponseBecameNullable => response(
            Breaking,
            Major,
            &c::BECAME_NULLABLE,
            "Old clients do not expect `null` and may crash on it.",
        ),
        Rule::RequestBecameNonNullable => request_narrowed(&c::BECAME_NON_NULLABLE),
        Rule::ResponseBecameNonNullable => response_narrowed(&c::BECAME_NON_NULLABLE),
        Rule::RequestTypeReferenceChanged => request(
            NonBreaking,
            Patch,
            &c::TYPE_REFERENCE_CHANGED,
            "A type name is not on the wire; structural differences get their own findings.",
        ),
        Rule::ResponseTypeReferenceChanged => response(
            NonBreaking,
            Patch,
            &c::TYPE_REFERENCE_CHANGED,
            "A type name is not on the wire; structural differences get their own findings.",
        ),
        Rule::RequestEnumValueAdded => request_widened(&c::ENUM_VALUE_ADDED),
        Rule::ResponseEnumValueAdded => response(
            PotentiallyBreaking,
            Minor,
            &c::ENUM_VALUE_ADDED,
            "Old clients that switch over the values may not handle the new one.",
        ),
        Rule::RequestEnumValueRemoved => request_narrowed(&c::ENUM_VALUE_REMOVED),
        Rule::ResponseEnumValueRemoved => response_narrowed(&c::ENUM_VALUE_REMOVED),
        Rule::RequestEnumConstraintAdded => request_narrowed(&c::ENUM_CONSTRAINT_ADDED),
        Rule::ResponseEnumConstraintAdded => response_narrowed(&c::ENUM_CONSTRAINT_ADDED),
        Rule::RequestEnumConstraintRemoved => request_widened(&c::ENUM_CONSTRAINT_REMOVED),
        Rule::ResponseEnumConstraintRemoved => response_widened(&c::ENUM_CONSTRAINT_REMOVED),
        Rule::RequestMinLengthIncreased => request_narrowed(&c::MIN_LENGTH_INCREASED),
        Rule::ResponseMinLengthIncreased => response_narrowed(&c::MIN_LENGTH_INCREASED),
        Rule::RequestMinLengthDecreased => request_widened(&c::MIN_LENGTH_DECREASED),
        Rule::ResponseMinLengthDecreased => response_widened(&c::MIN_LENGTH_DECREASED),
        Rule::RequestMaxLengthDecreased => request_narrowed(&c::MAX_LENGTH_DECREASED),
        Rule::ResponseMaxLengthDecreased => response_narrowed(&c::MAX_LENGTH_DECREASED),
        Rule::RequestMaxLengthIncreased => request_widened(&c::MAX_LENGTH_INCREASED),
        Rule::ResponseMaxLengthIncreased => response_widened(&c::MAX_LENGTH_INCREASED),
        Rule::RequestPatternAdded => request_narrowed(&c::PATTERN_ADDED),
        Rule::ResponsePatternAdded => response_narrowed(&c::PATTERN_ADDED),
        Rule::RequestPatternRemoved => request_widened(&c::PATTERN_REMOVED),
        Rule::ResponsePatternRemoved => response_widened(&c::PATTERN_REMOVED),
        Rule::RequestPatternChanged => request(
            PotentiallyBreaking,
            Minor,
            &c::PATTERN_CHANGED,
            "Old clients may send values the new pattern rejects.",
        ),
        Rule::ResponsePatternChanged => response(
            PotentiallyBreaking,
            Minor,
            &c::PATTERN_CHANGED,
            "The server may send values that do not match the old pattern.",
        ),
        Rule::RequestFormatAdded => request_narrowed(&c::FORMAT_ADDED),
        Rule::ResponseFormatAdded => response_narrowed(&c::FORMAT_ADDED),
        Rule::RequestFormatRemoved => request_widened(&c::FORMAT_REMOVED),
        Rule::ResponseFormatRemoved => response_widened(&c::FORMAT_REMOVED),
        Rule::RequestFormatChanged => request(
            Breaking,
            Major,
            &c::FORMAT_CHANGED,
            "Old clients send values in the old format, which the server rejects.",
        ),
        Rule::ResponseFormatChanged => response(
            Breaking,
            Major,
            &c::FORMAT_CHANGED,
            "Old clients parse values in the old format and fail on the new one.",
        ),
        Rule::RequestMinimumIncreased => request_narrowed(&c::MINIMUM_INCREASED),
        Rule::ResponseMinimumIncreased => response_narrowed(&c::MINIMUM_INCREASED),
        Rule::RequestMinimumDecreased => request_widened(&c::MINIMUM_DECREASED),
        Rule::ResponseMinimumDecreased => response_widened(&c::MINIMUM_DECREASED),
        Rule::RequestMaximumDecreased => request_narrowed(&c::MAXIMUM_DECREASED),
        Rule::ResponseMaximumDecreased => response_narrowed(&c::MAXIMUM_DECREASED),
        Rule::RequestMaximumIncreased => request_widened(&c::MAXIMUM_INCREASED),
        Rule::ResponseMaximumIncreased => response_widened(&c::MAXIMUM_INCREASED),
        Rule::RequestMultipleOfNarrowed => request_narrowed(&c::MULTIPLE_OF_NARROWED),
        Rule::ResponseMultipleOfNarrowed => response_narrowed(&c::MULTIPLE_OF_NARROWED),
        Rule::RequestMultipleOfWidened => request_widened(&c::MULTIPLE_OF_WIDENED),
        Rule::ResponseMultipleOfWidened => response_widened(&c::MULTIPLE_OF_WIDENED),
        Rule::RequestMultipleOfChanged => request_narrowed(&c::MULTIPLE_OF_CHANGED),
        Rule::ResponseMultipleOfChanged => response_widened(&c::MULTIPLE_OF_CHANGED),
        Rule::RequestMinItemsIncreased => request_narrowed(&c::MIN_ITEMS_INCREASED),
        Rule::ResponseMinItemsIncreased => response_narrowed(&c::MIN_ITEMS_INCREASED),
        Rule::RequestMinItemsDecreased => request_widened(&c::MIN_ITEMS_DECREASED),
        Rule::ResponseMinItemsDecreased => response_widened(&c::MIN_ITEMS_DECREASED),
        Rule::RequestMaxItemsDecreased => request_narrowed(&c::MAX_ITEMS_DECREASED),
        Rule::ResponseMaxItemsDecreased => response_narrowed(&c::MAX_ITEMS_DECREASED),
        Rule::RequestMaxItemsIncreased => request_widened(&c::MAX_ITEMS_INCREASED),
        Rule::ResponseMaxItemsIncreased => response_widened(&c::MAX_ITEMS_INCREASED),
        Rule::RequestUniqueItemsAdded => request_narrowed(&c::UNIQUE_ITEMS_ADDED),
        Rule::ResponseUniqueItemsAdded => response_narrowed(&c::UNIQUE_ITEMS_ADDED),
        Rule::RequestUniqueItemsRemoved => request_widened(&c::UNIQUE_ITEMS_REMOVED),
        Rule::ResponseUniqueItemsRemoved => response_widened(&c::UNIQUE_ITEMS_REMOVED),
        Rule::RequestAdditionalPropertiesNarrowed => {
            request_narrowed(&c::ADDITIONAL_PROPERTIES_NARROWED)
        }
        Rule::ResponseAdditionalPropertiesNarrowed => {
            response_narrowed(&c::ADDITIONAL_PROPERTIES_NARROWED)
        }
        Rule::RequestAdditionalPropertiesWidened => {
            request_widened(&c::ADDITIONAL_PROPERTIES_WIDENED)
        }
        Rule::ResponseAdditionalPropertiesWidened => {
            response_widened(&c::ADDITIONAL_PROPERTIES_WIDENED)
        }
        Rule::RequestAlternativeAdded => request_widened(&c::ALTERNATIVE_ADDED),
        Rule::ResponseAlternativeAdded => response(
            Breaking,
            Major,
            &c::ALTERNATIVE_ADDED,
            WIDEN_RESPONSE_BREAKING,
        ),
        Rule::RequestAlternativeRemoved => request_narrowed(&c::ALTERNATIVE_REMOVED),
        Rule::ResponseAlternativeRemoved => response_narrowed(&c::ALTERNATIVE_REMOVED),
        Rule::RequestAllOfMemberAdded => request_narrowed(&c::ALL_OF_MEMBER_ADDED),
        Rule::ResponseAllOfMemberAdded => response_narrowed(&c::ALL_OF_MEMBER_ADDED),
        Rule::RequestAllOfMemberRemoved => request_widened(&c::ALL_OF_MEMBER_REMOVED),
        Rule::ResponseAllOfMemberRemoved => response_widened(&c::ALL_OF_MEMBER_REMOVED),
        Rule::RequestReadOnlyAdded => request(
            PotentiallyBreaking,
            Minor,
            &c::READ_ONLY_ADDED,
            "Old clients still send it; the server ignores or rejects it.",
        ),
        Rule::ResponseReadOnlyAdded => response(
            NonBreaking,
            Minor,
            &c::READ_ONLY_ADDED,
            "It is not breaking: responses carry it as before.",
        ),
        Rule::RequestReadOnlyRemoved => request_widened(&c::READ_ONLY_REMOVED),
        Rule::ResponseReadOnlyRemoved => response(
            NonBreaking,
            Minor,
            &c::READ_ONLY_REMOVED,
            "It is not breaking: responses carry it as before.",
        ),
        Rule::RequestWriteOnlyAdded => request(
            NonBreaking,
            Minor,
            &c::WRITE_ONLY_ADDED,
            "It is not breaking: requests carry it as before.",
        ),
        Rule::ResponseWriteOnlyAdded => response(
            Breaking,
            Major,
            &c::WRITE_ONLY_ADDED,
            "Old clients read a value the server no longer returns.",
        ),
        Rule::RequestWriteOnlyRemoved => request(
            NonBreaking,
            Minor,
            &c::WRITE_ONLY_REMOVED,
            "It is not breaking: requests carry it as before.",
        ),
        Rule::ResponseWriteOnlyRemoved => response(
            NonBreaking,
            Minor,
            &c::WRITE_ONLY_REMOVED,
            "It is not breaking: clients ignore values they do not expect.",
        ),
        Rule::RequestDefaultChanged => request(
            NonBreaking,
            Patch,
            &c::DEFAULT_CHANGED,
            "Validation is unchanged, but old clients that leave the value out now get the new default; check that they do not rely on the old one.",
        ),
        Rule::ResponseDefaultChanged => response(
            NonBreaking,
            Patch,
            &c::DEFAULT_CHANGED,
            "Validation is unchanged; a response default only documents what the server fills in.",
        ),
        Rule::RequestSchemaChanged => request(
            PotentiallyBreaking,
            Minor,
            &c::SCHEMA_CHANGED,
            "Whether old requests stay valid depends on the keyword; review it.",
        ),
        Rule::ResponseSchemaChanged => response(
            PotentiallyBreaking,
            Minor,
            &c::SCHEMA_CHANGED,
            "Whether old clients still understand responses depends on the keyword; review it.",
        ),
    }
}
