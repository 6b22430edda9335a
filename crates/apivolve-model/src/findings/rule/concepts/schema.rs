//! Concepts of the schema rules: properties, types, nullability, enums, constraints and
//! composition. Each is judged in requests and in responses.

use super::Concept;

/// Tells how to keep older versions servable when a value's schema changes.
const CHANGE_FIELD: &str = "Use `change_field` with an `up:` expression (old request value to new) \
                            and a `down:` expression (new response value to old).";

pub(crate) const PROPERTY_ADDED: Concept = Concept {
    what: "Reports an optional property that is new in an object.",
    example: "```yaml\n# after\nUser: { properties: { birthday: { type: string, format: date } } }\n```",
    migration: "Nothing to do: responses to older versions drop it.",
};

pub(crate) const REQUIRED_PROPERTY_ADDED: Concept = Concept {
    what: "Reports a required property that is new in an object.",
    example: "```yaml\n# after\nUser: { properties: { email: { type: string } }, required: [email] }\n```",
    migration: "Give `add_field` a `default`, filled into older requests.",
};

pub(crate) const PROPERTY_REMOVED: Concept = Concept {
    what: "Reports a property that is gone from an object (and was not renamed).",
    example: "```yaml\n# before\nUser: { properties: { nickname: { type: string } } }\n# after\nUser: { properties: {} }\n```",
    migration: "Give `remove_field` a `default` or a `down:` expression that restores it for older responses.",
};

pub(crate) const PROPERTY_RENAMED: Concept = Concept {
    what: "Reports one property removed and one added in the same object with identical schemas \
           (descriptions aside), as a single rename. The finding sits at the old name.",
    example: "```yaml\n# before\nUser: { properties: { name: { type: string } } }\n# after\nUser: { properties: { full_name: { type: string } } }\n```",
    migration: "Use `rename_field`: requests are renamed up and responses renamed back down.",
};

pub(crate) const PROPERTY_BECAME_REQUIRED: Concept = Concept {
    what: "Reports a property that is listed in `required` in the new version only.",
    example: "```yaml\n# before\nrequired: []\n# after\nrequired: [email]\n```",
    migration: "Use `make_required` with a `default` filled into older requests.",
};

pub(crate) const PROPERTY_BECAME_OPTIONAL: Concept = Concept {
    what: "Reports a property that is listed in `required` in the old version only.",
    example: "```yaml\n# before\nrequired: [email]\n# after\nrequired: []\n```",
    migration: "Use `make_optional` with a `default` filled into older responses that lack it.",
};

pub(crate) const TYPE_CHANGED: Concept = Concept {
    what: "Reports a value whose `type` changed so that neither the old nor the new set of types \
           contains the other. Nothing below it is compared.",
    example: "```yaml\n# before\namount: { type: number }\n# after\namount: { type: string }\n```",
    migration: CHANGE_FIELD,
};

pub(crate) const TYPE_WIDENED: Concept = Concept {
    what: "Reports a value whose set of types grew (`integer` to `number` counts), or lost its \
           `type` keyword.",
    example: "```yaml\n# before\ncount: { type: integer }\n# after\ncount: { type: number }\n```",
    migration: CHANGE_FIELD,
};

pub(crate) const TYPE_NARROWED: Concept = Concept {
    what: "Reports a value whose set of types shrank (`number` to `integer` counts), or that got a \
           `type` keyword.",
    example: "```yaml\n# before\nid: { type: [string, integer] }\n# after\nid: { type: string }\n```",
    migration: CHANGE_FIELD,
};

pub(crate) const BECAME_NULLABLE: Concept = Concept {
    what: "Reports a value that accepts `null` in the new version only. All three spellings count \
           and are interchangeable: `type: [T, \"null\"]`, `nullable: true` (OpenAPI 3.0) and a \
           `oneOf`/`anyOf` alternative `{type: \"null\"}`.",
    example: "```yaml\n# before\nmanager: { $ref: '#/types/User' }\n# after\nmanager: { oneOf: [{ $ref: '#/types/User' }, { type: 'null' }] }\n```",
    migration: "For responses, leave the property out (or substitute a value) for older versions in a \
                `down:` expression.",
};

pub(crate) const BECAME_NON_NULLABLE: Concept = Concept {
    what: "Reports a value that accepted `null` in the old version only (any of the three spellings).",
    example: "```yaml\n# before\nnickname: { type: [string, 'null'] }\n# after\nnickname: { type: string }\n```",
    migration: "For requests, turn `null` into a default or drop the property in an `up:` expression.",
};

pub(crate) const TYPE_REFERENCE_CHANGED: Concept = Concept {
    what: "Reports a `$ref` that points to a differently named type. The two types are then compared \
           structurally, so a pure rename yields only this finding.",
    example: "```yaml\n# before\nschema: { $ref: '#/types/User' }\n# after\nschema: { $ref: '#/types/Account' }\n```",
    migration: "Nothing to do on the wire; generated client code may see a new class name.",
};

pub(crate) const ENUM_VALUE_ADDED: Concept = Concept {
    what: "Reports a value added to an `enum` (a `const` counts as a one-value enum).",
    example: "```yaml\n# before\nstatus: { enum: [active, blocked] }\n# after\nstatus: { enum: [active, blocked, pending] }\n```",
    migration: "Give `add_enum_value` a `down_map` so older responses never carry the new value.",
};

pub(crate) const ENUM_VALUE_REMOVED: Concept = Concept {
    what: "Reports a value removed from an `enum`.",
    example: "```yaml\n# before\nstatus: { enum: [active, blocked, legacy] }\n# after\nstatus: { enum: [active, blocked] }\n```",
    migration: "Give `remove_enum_value` an `up_map` that turns the old value into a current one.",
};

pub(crate) const ENUM_CONSTRAINT_ADDED: Concept = Concept {
    what: "Reports a value that was free and is now restricted to an `enum` or `const`.",
    example: "```yaml\n# before\ncurrency: { type: string }\n# after\ncurrency: { type: string, enum: [EUR, USD] }\n```",
    migration: CHANGE_FIELD,
};

pub(crate) const ENUM_CONSTRAINT_REMOVED: Concept = Concept {
    what: "Reports a value that was restricted to an `enum` or `const` and is now free.",
    example: "```yaml\n# before\ncurrency: { type: string, enum: [EUR, USD] }\n# after\ncurrency: { type: string }\n```",
    migration: CHANGE_FIELD,
};

pub(crate) const MIN_LENGTH_INCREASED: Concept = Concept {
    what: "Reports a string whose `minLength` rose (absent counts as 0).",
    example: "```yaml\n# before\npassword: { type: string, minLength: 8 }\n# after\npassword: { type: string, minLength: 12 }\n```",
    migration: CHANGE_FIELD,
};

pub(crate) const MIN_LENGTH_DECREASED: Concept = Concept {
    what: "Reports a string whose `minLength` fell or was removed.",
    example: "```yaml\n# before\ncode: { type: string, minLength: 4 }\n# after\ncode: { type: string, minLength: 2 }\n```",
    migration: CHANGE_FIELD,
};

pub(crate) const MAX_LENGTH_DECREASED: Concept = Concept {
    what: "Reports a string whose `maxLength` fell, or that got one.",
    example: "```yaml\n# before\nname: { type: string, maxLength: 100 }\n# after\nname: { type: string, maxLength: 50 }\n```",
    migration: CHANGE_FIELD,
};

pub(crate) const MAX_LENGTH_INCREASED: Concept = Concept {
    what: "Reports a string whose `maxLength` rose or was removed.",
    example: "```yaml\n# before\nname: { type: string, maxLength: 50 }\n# after\nname: { type: string, maxLength: 100 }\n```",
    migration: CHANGE_FIELD,
};

pub(crate) const PATTERN_ADDED: Concept = Concept {
    what: "Reports a string that got a `pattern`.",
    example: "```yaml\n# after\nsku: { type: string, pattern: '^[A-Z]{3}-[0-9]+$' }\n```",
    migration: CHANGE_FIELD,
};

pub(crate) const PATTERN_REMOVED: Concept = Concept {
    what: "Reports a string that lost its `pattern`.",
    example: "```yaml\n# before\nsku: { type: string, pattern: '^[A-Z]{3}-[0-9]+$' }\n# after\nsku: { type: string }\n```",
    migration: CHANGE_FIELD,
};

pub(crate) const PATTERN_CHANGED: Concept = Concept {
    what: "Reports a string whose `pattern` changed. Whether the new pattern accepts more or less \
           cannot be told in general, so the finding is potentially breaking.",
    example: "```yaml\n# before\nsku: { pattern: '^[A-Z]{3}-[0-9]+$' }\n# after\nsku: { pattern: '^[A-Z]{2,3}-[0-9]+$' }\n```",
    migration: CHANGE_FIELD,
};

pub(crate) const FORMAT_ADDED: Concept = Concept {
    what: "Reports a string that got a `format`.",
    example: "```yaml\n# before\nborn: { type: string }\n# after\nborn: { type: string, format: date }\n```",
    migration: CHANGE_FIELD,
};

pub(crate) const FORMAT_REMOVED: Concept = Concept {
    what: "Reports a string that lost its `format`.",
    example: "```yaml\n# before\nborn: { type: string, format: date }\n# after\nborn: { type: string }\n```",
    migration: CHANGE_FIELD,
};

pub(crate) const FORMAT_CHANGED: Concept = Concept {
    what: "Reports a string whose `format` changed.",
    example: "```yaml\n# before\nborn: { type: string, format: date }\n# after\nborn: { type: string, format: date-time }\n```",
    migration: CHANGE_FIELD,
};

pub(crate) const MINIMUM_INCREASED: Concept = Concept {
    what: "Reports a number whose lower bound rose, became exclusive, or was set. `minimum` and \
           `exclusiveMinimum` (a number, or `true` in OpenAPI 3.0 style) are folded into one \
           effective bound, so respelling the same bound yields nothing.",
    example: "```yaml\n# before\nquantity: { type: integer, minimum: 0 }\n# after\nquantity: { type: integer, minimum: 1 }\n```",
    migration: CHANGE_FIELD,
};

pub(crate) const MINIMUM_DECREASED: Concept = Concept {
    what: "Reports a number whose effective lower bound fell, became inclusive, or was removed.",
    example: "```yaml\n# before\nquantity: { type: integer, exclusiveMinimum: 0 }\n# after\nquantity: { type: integer, minimum: 0 }\n```",
    migration: CHANGE_FIELD,
};

pub(crate) const MAXIMUM_DECREASED: Concept = Concept {
    what: "Reports a number whose effective upper bound (`maximum`, `exclusiveMaximum`) fell, \
           became exclusive, or was set.",
    example: "```yaml\n# before\nlimit: { type: integer, maximum: 1000 }\n# after\nlimit: { type: integer, maximum: 100 }\n```",
    migration: CHANGE_FIELD,
};

pub(crate) const MAXIMUM_INCREASED: Concept = Concept {
    what: "Reports a number whose effective upper bound rose, became inclusive, or was removed.",
    example: "```yaml\n# before\nlimit: { type: integer, maximum: 100 }\n# after\nlimit: { type: integer, maximum: 1000 }\n```",
    migration: CHANGE_FIELD,
};

pub(crate) const MULTIPLE_OF_NARROWED: Concept = Concept {
    what: "Reports a `multipleOf` that was set, or replaced by a multiple of the old one.",
    example: "```yaml\n# before\nprice: { multipleOf: 0.01 }\n# after\nprice: { multipleOf: 0.05 }\n```",
    migration: CHANGE_FIELD,
};

pub(crate) const MULTIPLE_OF_WIDENED: Concept = Concept {
    what: "Reports a `multipleOf` that was removed, or replaced by a divisor of the old one.",
    example: "```yaml\n# before\nprice: { multipleOf: 0.05 }\n# after\nprice: { multipleOf: 0.01 }\n```",
    migration: CHANGE_FIELD,
};

pub(crate) const MULTIPLE_OF_CHANGED: Concept = Concept {
    what: "Reports a `multipleOf` replaced by a value that is neither a multiple nor a divisor of \
           the old one.",
    example: "```yaml\n# before\nstep: { multipleOf: 2 }\n# after\nstep: { multipleOf: 3 }\n```",
    migration: CHANGE_FIELD,
};

pub(crate) const MIN_ITEMS_INCREASED: Concept = Concept {
    what: "Reports an array whose `minItems` rose (absent counts as 0).",
    example: "```yaml\n# before\ntags: { type: array }\n# after\ntags: { type: array, minItems: 1 }\n```",
    migration: CHANGE_FIELD,
};

pub(crate) const MIN_ITEMS_DECREASED: Concept = Concept {
    what: "Reports an array whose `minItems` fell or was removed.",
    example: "```yaml\n# before\ntags: { type: array, minItems: 1 }\n# after\ntags: { type: array }\n```",
    migration: CHANGE_FIELD,
};

pub(crate) const MAX_ITEMS_DECREASED: Concept = Concept {
    what: "Reports an array whose `maxItems` fell, or that got one.",
    example: "```yaml\n# before\ntags: { type: array, maxItems: 20 }\n# after\ntags: { type: array, maxItems: 10 }\n```",
    migration: CHANGE_FIELD,
};

pub(crate) const MAX_ITEMS_INCREASED: Concept = Concept {
    what: "Reports an array whose `maxItems` rose or was removed.",
    example: "```yaml\n# before\ntags: { type: array, maxItems: 10 }\n# after\ntags: { type: array, maxItems: 20 }\n```",
    migration: CHANGE_FIELD,
};

pub(crate) const UNIQUE_ITEMS_ADDED: Concept = Concept {
    what: "Reports an array that got `uniqueItems: true`.",
    example: "```yaml\n# before\ntags: { type: array }\n# after\ntags: { type: array, uniqueItems: true }\n```",
    migration: CHANGE_FIELD,
};

pub(crate) const UNIQUE_ITEMS_REMOVED: Concept = Concept {
    what: "Reports an array that lost `uniqueItems: true`.",
    example: "```yaml\n# before\ntags: { type: array, uniqueItems: true }\n# after\ntags: { type: array }\n```",
    migration: CHANGE_FIELD,
};

pub(crate) const ADDITIONAL_PROPERTIES_NARROWED: Concept = Concept {
    what: "Reports an object whose `additionalProperties` went from allowed (absent or `true`) to a \
           schema or to `false`, or from a schema to `false`. Two schemas are compared structurally \
           at the pointer `/*`.",
    example: "```yaml\n# before\nLabels: { type: object }\n# after\nLabels: { type: object, additionalProperties: false }\n```",
    migration: CHANGE_FIELD,
};

pub(crate) const ADDITIONAL_PROPERTIES_WIDENED: Concept = Concept {
    what: "Reports an object whose `additionalProperties` went from `false` to a schema or allowed, or \
           from a schema to allowed.",
    example: "```yaml\n# before\nLabels: { additionalProperties: false }\n# after\nLabels: { additionalProperties: { type: string } }\n```",
    migration: CHANGE_FIELD,
};

pub(crate) const ALTERNATIVE_ADDED: Concept = Concept {
    what: "Reports an alternative of a `oneOf` or `anyOf` that has no counterpart in the old version. \
           Alternatives are paired by identical schema, then by `type`, then (one left on each side) \
           with each other; paired ones are compared structurally. A plain schema that became a \
           `oneOf` counts as a one-alternative `oneOf`.",
    example: "```yaml\n# before\npayment: { oneOf: [{ $ref: '#/types/Card' }] }\n# after\npayment: { oneOf: [{ $ref: '#/types/Card' }, { $ref: '#/types/Iban' }] }\n```",
    migration: "For responses, map the new alternative to one older clients know in a `down:` expression.",
};

pub(crate) const ALTERNATIVE_REMOVED: Concept = Concept {
    what: "Reports an alternative of a `oneOf` or `anyOf` that has no counterpart in the new version.",
    example: "```yaml\n# before\nid: { oneOf: [{ type: string }, { type: integer }] }\n# after\nid: { oneOf: [{ type: string }] }\n```",
    migration: "For requests, convert the removed alternative in an `up:` expression.",
};

pub(crate) const ALL_OF_MEMBER_ADDED: Concept = Concept {
    what: "Reports a member of an `allOf` that is new: values must satisfy one more schema.",
    example: "```yaml\n# before\nAdmin: { allOf: [{ $ref: '#/types/User' }] }\n# after\nAdmin: { allOf: [{ $ref: '#/types/User' }, { $ref: '#/types/Audited' }] }\n```",
    migration: CHANGE_FIELD,
};

pub(crate) const ALL_OF_MEMBER_REMOVED: Concept = Concept {
    what: "Reports a member of an `allOf` that is gone: values need to satisfy one schema less.",
    example: "```yaml\n# before\nAdmin: { allOf: [{ $ref: '#/types/User' }, { $ref: '#/types/Audited' }] }\n# after\nAdmin: { allOf: [{ $ref: '#/types/User' }] }\n```",
    migration: CHANGE_FIELD,
};

pub(crate) const READ_ONLY_ADDED: Concept = Concept {
    what: "Reports a value that became `readOnly`: servers send it, and ignore or reject it in requests.",
    example: "```yaml\n# before\nid: { type: string }\n# after\nid: { type: string, readOnly: true }\n```",
    migration: "Drop the value from older requests in an `up:` expression if the server rejects it.",
};

pub(crate) const READ_ONLY_REMOVED: Concept = Concept {
    what: "Reports a value that is no longer `readOnly`.",
    example: "```yaml\n# before\nid: { type: string, readOnly: true }\n# after\nid: { type: string }\n```",
    migration: "Nothing to do.",
};

pub(crate) const WRITE_ONLY_ADDED: Concept = Concept {
    what: "Reports a value that became `writeOnly`: clients send it, and servers no longer return it.",
    example: "```yaml\n# before\npassword: { type: string }\n# after\npassword: { type: string, writeOnly: true }\n```",
    migration: "Restore a placeholder for older responses in a `down:` expression if they relied on it.",
};

pub(crate) const WRITE_ONLY_REMOVED: Concept = Concept {
    what: "Reports a value that is no longer `writeOnly`.",
    example: "```yaml\n# before\nnote: { type: string, writeOnly: true }\n# after\nnote: { type: string }\n```",
    migration: "Nothing to do.",
};

pub(crate) const DEFAULT_CHANGED: Concept = Concept {
    what: "Reports a `default` that was set, changed or removed.",
    example: "```yaml\n# before\nlimit: { type: integer, default: 20 }\n# after\nlimit: { type: integer, default: 50 }\n```",
    migration: "If old clients relied on the old default, fill it into their requests with `up:`.",
};

pub(crate) const SCHEMA_CHANGED: Concept = Concept {
    what: "Reports any other validation keyword that changed (`not`, `prefixItems`, `minProperties`, \
           `unevaluatedProperties`, `if`/`then`, a switch between `oneOf` and `anyOf`, ...), so no \
           change goes unreported. Annotations (`description`, `title`, `examples`, `$comment`, \
           `deprecated`) and `x-` extensions never produce a finding.",
    example: "```yaml\n# before\ncode: { not: { const: '' } }\n# after\ncode: { not: { enum: ['', '-'] } }\n```",
    migration: CHANGE_FIELD,
};
