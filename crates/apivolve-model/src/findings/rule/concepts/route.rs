//! Concepts of the route-level rules: endpoints, methods, paths, lifecycle, parameters, bodies,
//! statuses and error shapes.

use super::Concept;

pub(crate) const ENDPOINT_ADDED: Concept = Concept {
    what: "Reports an endpoint id that exists in the new version only.",
    example: "```yaml\n# after\nendpoints:\n  users.search: { id: users.search, methods: [GET], path: /users/search }\n```",
    migration: "Nothing to do: old clients never call it.",
};

pub(crate) const ENDPOINT_REMOVED: Concept = Concept {
    what: "Reports an endpoint id that exists in the old version only.",
    example: "```yaml\n# before\nendpoints:\n  users.legacy: { id: users.legacy, methods: [GET], path: /users/legacy }\n# after: gone\n```",
    migration: "Name a successor in `remove_endpoint` so older versions keep routing, or retire the \
                older versions that still have it.",
};

pub(crate) const METHOD_ADDED: Concept = Concept {
    what: "Reports an HTTP method an endpoint answers in the new version only.",
    example: "```yaml\n# before\nmethods: [GET]\n# after\nmethods: [GET, POST]\n```",
    migration: "Nothing to do.",
};

pub(crate) const METHOD_REMOVED: Concept = Concept {
    what: "Reports an HTTP method an endpoint no longer answers.",
    example: "```yaml\n# before\nmethods: [GET, POST]\n# after\nmethods: [POST]\n```",
    migration: "Keep the method for older versions with `change_method`, which routes the old method \
                to the new one.",
};

pub(crate) const PATH_CHANGED: Concept = Concept {
    what: "Reports an endpoint whose path template changed. Renaming a path parameter alone \
           (`/users/{id}` to `/users/{user_id}`) does not count: the wire path is the same.",
    example: "```yaml\n# before\npath: /users/{id}\n# after\npath: /accounts/{id}\n```",
    migration: "Use `change_path`: older versions keep their path and are routed to the same endpoint.",
};

pub(crate) const BECAME_PREVIEW: Concept = Concept {
    what: "Reports an existing endpoint whose lifecycle went from stable back to preview.",
    example: "```yaml\n# before\nlifecycle: {}\n# after\nlifecycle: { preview: true }\n```",
    migration: "Avoid it; if needed, tell clients to opt in to previews before they move to this version.",
};

pub(crate) const LEFT_PREVIEW: Concept = Concept {
    what: "Reports an endpoint that was in preview and is now served to every client.",
    example: "```yaml\n# before\nlifecycle: { preview: true }\n# after\nlifecycle: {}\n```",
    migration: "Nothing to do.",
};

pub(crate) const DEPRECATED: Concept = Concept {
    what: "Reports an endpoint that became deprecated, or whose deprecation date changed. Deprecated \
           endpoints keep working and answer with a `Deprecation` header.",
    example: "```yaml\n# after\nlifecycle: { deprecated: 2025-01-01 }\n```",
    migration: "Tell clients what to call instead; the usage report shows who still calls it.",
};

pub(crate) const UNDEPRECATED: Concept = Concept {
    what: "Reports an endpoint that was deprecated and no longer is.",
    example: "```yaml\n# before\nlifecycle: { deprecated: 2025-01-01 }\n# after\nlifecycle: {}\n```",
    migration: "Nothing to do.",
};

pub(crate) const SUNSET_SET: Concept = Concept {
    what: "Reports an endpoint that got a sunset date: after it, calls stop working. Responses carry \
           a `Sunset` header.",
    example: "```yaml\n# after\nlifecycle: { deprecated: 2025-01-01, sunset: 2025-07-01 }\n```",
    migration: "Announce the date; read the usage report before it arrives.",
};

pub(crate) const SUNSET_CHANGED: Concept = Concept {
    what: "Reports an endpoint whose sunset date moved.",
    example: "```yaml\n# before\nlifecycle: { sunset: 2025-07-01 }\n# after\nlifecycle: { sunset: 2025-10-01 }\n```",
    migration: "Announce the new date, especially when it moved earlier.",
};

pub(crate) const SUNSET_REMOVED: Concept = Concept {
    what: "Reports an endpoint whose sunset date was withdrawn.",
    example: "```yaml\n# before\nlifecycle: { sunset: 2025-07-01 }\n# after\nlifecycle: {}\n```",
    migration: "Nothing to do.",
};

pub(crate) const RETIRED: Concept = Concept {
    what: "Reports an endpoint that is retired in the new version: it answers `410 Gone`, or \
           redirects to its successor.",
    example: "```yaml\n# after\nlifecycle: { retired: { successor: users.get, redirect: 308 } }\n```",
    migration: "Name a successor and a redirect where one exists; deprecate and sunset first so \
                clients have time to move.",
};

pub(crate) const UNRETIRED: Concept = Concept {
    what: "Reports an endpoint that was retired and is served again.",
    example: "```yaml\n# before\nlifecycle: { retired: {} }\n# after\nlifecycle: {}\n```",
    migration: "Nothing to do.",
};

pub(crate) const RETIREMENT_CHANGED: Concept = Concept {
    what: "Reports a retired endpoint whose successor or redirect status changed.",
    example: "```yaml\n# before\nretired: { successor: users.get }\n# after\nretired: { successor: accounts.get, redirect: 308 }\n```",
    migration: "Nothing to do; the endpoint was already retired.",
};

pub(crate) const REQUEST_BODY_ADDED: Concept = Concept {
    what: "Reports an endpoint that takes a request body in the new version and took none before. \
           Bodies have no `required` flag, so a declared body counts as expected.",
    example: "```yaml\n# before\nrequest: ~\n# after\nrequest: { schema: { $ref: '#/types/Filter' } }\n```",
    migration: "Give the body's fields defaults and fill them for older versions with `set_request` and \
                an `up:` expression.",
};

pub(crate) const REQUEST_BODY_REMOVED: Concept = Concept {
    what: "Reports an endpoint that no longer takes the request body it took before.",
    example: "```yaml\n# before\nrequest: { schema: { $ref: '#/types/Filter' } }\n# after\nrequest: ~\n```",
    migration: "Move what the body carried into parameters with an `up:` expression, or accept that it \
                is ignored.",
};

pub(crate) const MEDIA_TYPE_CHANGED: Concept = Concept {
    what: "Reports a body whose media type changed (parameters such as `charset` are ignored). The \
           schemas are not compared further, since the encodings differ.",
    example: "```yaml\n# before\nmedia_type: application/json\n# after\nmedia_type: application/x-ndjson\n```",
    migration: "Keep the old media type for older versions with a custom migration.",
};

pub(crate) const PARAMETER_ADDED: Concept = Concept {
    what: "Reports an optional path, query or header parameter that is new.",
    example: "```yaml\n# after\nparameters:\n  - { name: limit, in: query, schema: { type: integer } }\n```",
    migration: "Nothing to do.",
};

pub(crate) const REQUIRED_PARAMETER_ADDED: Concept = Concept {
    what: "Reports a required parameter that is new (path parameters are always required).",
    example: "```yaml\n# after\nparameters:\n  - { name: tenant, in: header, required: true }\n```",
    migration: "Make it optional with a default, or fill it for older versions in `add_param`'s `default`.",
};

pub(crate) const PARAMETER_REMOVED: Concept = Concept {
    what: "Reports a parameter that no longer exists. Parameters are matched by location and name \
           (header names ignore case; path parameters by their place in the template).",
    example: "```yaml\n# before\nparameters:\n  - { name: sort, in: query }\n# after\nparameters: []\n```",
    migration: "If the server should still honour it for older versions, translate it with an `up:` \
                expression.",
};

pub(crate) const PARAMETER_BECAME_REQUIRED: Concept = Concept {
    what: "Reports an optional parameter that became required.",
    example: "```yaml\n# before\n- { name: limit, in: query }\n# after\n- { name: limit, in: query, required: true }\n```",
    migration: "Keep it optional and default it on the server instead.",
};

pub(crate) const PARAMETER_BECAME_OPTIONAL: Concept = Concept {
    what: "Reports a required parameter that became optional.",
    example: "```yaml\n# before\n- { name: limit, in: query, required: true }\n# after\n- { name: limit, in: query }\n```",
    migration: "Nothing to do.",
};

pub(crate) const SUCCESS_STATUS_ADDED: Concept = Concept {
    what: "Reports a response status below 400 that is new.",
    example: "```yaml\n# before\nresponses: { 200: ... }\n# after\nresponses: { 200: ..., 202: ... }\n```",
    migration: "Map the new status to one older versions know with `change_status`.",
};

pub(crate) const SUCCESS_STATUS_REMOVED: Concept = Concept {
    what: "Reports a response status below 400 that is gone.",
    example: "```yaml\n# before\nresponses: { 200: ..., 201: ... }\n# after\nresponses: { 200: ... }\n```",
    migration: "Map the status older versions expect with `change_status`.",
};

pub(crate) const ERROR_STATUS_ADDED: Concept = Concept {
    what: "Reports a documented response status of 400 or above that is new.",
    example: "```yaml\n# after\nresponses: { 200: ..., 409: ... }\n```",
    migration: "Nothing to do; consider mapping it with `change_status` if old clients treat it badly.",
};

pub(crate) const ERROR_STATUS_REMOVED: Concept = Concept {
    what: "Reports a documented response status of 400 or above that is gone.",
    example: "```yaml\n# before\nresponses: { 200: ..., 404: ... }\n# after\nresponses: { 200: ... }\n```",
    migration: "Nothing to do.",
};

pub(crate) const ERROR_SHAPE_CHANGED: Concept = Concept {
    what: "Reports an endpoint whose error bodies changed media type (RFC 9457 problem details when \
           unset), or gained or lost a schema. When both versions give a schema, it is compared \
           with the response rules instead.",
    example: "```yaml\n# before\nerror: ~\n# after\nerror: { media_type: text/plain }\n```",
    migration: "Give older versions their error shape back with `change_error` and a `down:` expression.",
};

pub(crate) const STATUS_CODE_CHANGED: Concept = Concept {
    what: "Reports a `change_status`: the new version answers another status code where the old one \
           answered the first.",
    example: "```yaml\n- change_status: { endpoint: getNext, from: 418, to: 409 }\n```",
    migration: "Nothing for older versions: their responses are mapped back to the old status. \
                Clients moving to the new version must expect the new code.",
};

pub(crate) const CUSTOM_CHANGE: Concept = Concept {
    what: "Reports a `custom` change at the impact its author declared: behaviour a schema cannot \
           show, migrated by jq or a registered function.",
    example: "```yaml\n- custom:\n    description: ranges are no longer sorted\n    endpoint: getNext\n    impact: breaking\n    up: '.ranges |= sort_by(.from)'\n```",
    migration: "Older versions are served through the change's `up`/`down`. Clients moving to the \
                new version read its description in the changelog.",
};
