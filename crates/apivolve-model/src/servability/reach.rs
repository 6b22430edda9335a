//! Which named types travel in requests and which in responses.

use std::collections::BTreeSet;

use crate::apply::refs::{endpoint_schemas, type_refs};
use crate::snapshot::{Schema, Snapshot};

/// The named types reachable from requests (bodies and parameters) and from responses (bodies
/// and error bodies) of any endpoint, following `$ref`s through every subschema (`properties`,
/// `items`, `additionalProperties`, `prefixItems`, `allOf`/`anyOf`/`oneOf`, ...); cycle safe.
/// Retired endpoints count: older versions still serve them.
pub fn reachable_types(snapshot: &Snapshot) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut request = BTreeSet::new();
    let mut response = BTreeSet::new();
    for endpoint in snapshot.endpoints.values() {
        for place in endpoint_schemas(endpoint) {
            let reached = if place.request {
                &mut request
            } else {
                &mut response
            };
            reach(snapshot, place.schema, reached);
        }
    }
    (request, response)
}

/// Adds the types `schema` refers to, transitively, to `reached`.
fn reach(snapshot: &Snapshot, schema: &Schema, reached: &mut BTreeSet<String>) {
    let mut pending: Vec<String> = type_refs(schema, "")
        .into_iter()
        .map(|(_, name)| name)
        .collect();
    while let Some(name) = pending.pop() {
        let Some(target) = snapshot.types.get(&name) else {
            continue;
        };
        if reached.insert(name) {
            pending.extend(type_refs(target, "").into_iter().map(|(_, name)| name));
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::apply::testing::sample;

    #[test]
    fn types_are_reached_through_refs_items_and_cycles() {
        let mut snapshot = sample();
        // A cycle: Role -> Node -> Role.
        snapshot.types.insert(
            "Node".to_owned(),
            json!({"properties": {"next": {"$ref": "#/types/Role"}}}),
        );
        snapshot.types.insert(
            "Role".to_owned(),
            json!({"anyOf": [{"enum": ["a"]}, {"$ref": "#/types/Node"}]}),
        );
        snapshot
            .types
            .insert("Unused".to_owned(), json!({"type": "string"}));
        let (request, response) = reachable_types(&snapshot);
        assert_eq!(request.iter().collect::<Vec<_>>(), ["Node", "Role", "User"]);
        assert_eq!(
            response.iter().collect::<Vec<_>>(),
            ["Node", "Order", "Role", "User"]
        );
    }

    #[test]
    fn parameters_and_error_bodies_count() {
        let mut snapshot = sample();
        snapshot
            .types
            .insert("Problem".to_owned(), json!({"type": "object"}));
        snapshot
            .types
            .insert("Id".to_owned(), json!({"type": "string"}));
        if let Some(endpoint) = snapshot.endpoints.get_mut("orders.list") {
            endpoint.parameters[0].schema = json!({"$ref": "#/types/Id"});
            endpoint.error = Some(crate::ErrorShape {
                media_type: "application/json".to_owned(),
                schema: Some(json!({"$ref": "#/types/Problem"})),
            });
        }
        let (request, response) = reachable_types(&snapshot);
        assert!(request.contains("Id") && !response.contains("Id"));
        assert!(response.contains("Problem") && !request.contains("Problem"));
    }
}
