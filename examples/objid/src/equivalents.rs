//! Rust equivalents of the evolution chain's hot jq steps.
//!
//! The v1 `getNext` request runs the jq program of `v2.0.0/0001-getnext-ranges.yaml` on every
//! call: it refuses an object type with `_`, zero, reversed and overlapping ranges with v1's
//! messages, sorts the ranges by `from` and drops what v1 cannot send. jq is an interpreter and
//! this program was the largest single cost of a v1 call, so the service registers the same
//! program in Rust ([`registry`]), and with it the two small programs that run on most v1
//! responses (`getNext`'s `id`, the consumption lists of `syncIds` and `autoSyncIds`). The
//! released files stay as they are (their hashes are chained), and jq stays the definition: the
//! tests run both on the same inputs and compare the answers, and an input outside what the
//! function handles is handed back to jq.

use apivolve_migrate::Registry;
use serde_json::Value;

use crate::objects::OBJECT_TYPES;

/// The `up` program of the `getNext` ranges change, as released in v2.0.0.
pub const GET_NEXT_RANGES_UP: &str = r#"if (.type | type == "string" and test("_")) then error("Invalid object type: \(.type)")
elif any(.ranges[]; .from == 0 or .to == 0) then error("Invalid ranges: range numbers must not be zero")
elif any(.ranges[]; .from > .to) then error("Invalid ranges: `from` must not be greater than `to`")
elif ([.ranges | sort_by(.from) | range(1; length) as $i | .[$i].from <= .[$i - 1].to] | any)
then error("Invalid ranges: ranges must not overlap")
else (.ranges |= sort_by(.from)) | del(.perRange, .require) end"#;

/// The `down` program of `getNext`'s `id` (v2.0.0): v1 has one number, never an array.
pub const GET_NEXT_ID_DOWN: &str = r#"if type == "array" then (.[0] // 0) else . end"#;

/// The `down` program of the consumption lists (v2.0.0): v1 lists all 13 object types.
pub const CONSUMPTION_DOWN: &str =
    "{codeunit: [], enum: [], enumextension: [], page: [], pageextension: [], permissionset: [],
 permissionsetextension: [], query: [], report: [], reportextension: [], table: [],
 tableextension: [], xmlport: []} + .";

/// The registry of objid's Rust equivalents.
pub fn registry() -> Registry {
    Registry::new()
        .with_jq_equivalent(GET_NEXT_RANGES_UP, get_next_ranges_up)
        .with_jq_equivalent(GET_NEXT_ID_DOWN, get_next_id_down)
        .with_jq_equivalent(CONSUMPTION_DOWN, consumption_down)
}

/// [`GET_NEXT_ID_DOWN`] in Rust: an array's first element unless it is missing, `null` or
/// `false` (then 0); anything else as it is.
pub fn get_next_id_down(id: Value) -> Result<Result<Value, String>, Value> {
    Ok(Ok(match id {
        Value::Array(mut items) => match items.first() {
            None | Some(Value::Null | Value::Bool(false)) => Value::from(0),
            Some(_) => items.swap_remove(0),
        },
        other => other,
    }))
}

/// [`CONSUMPTION_DOWN`] in Rust, for objects: every object type with `[]`, then the input's members
/// over them (a member of a v1 type keeps its place, any other comes after, in the input's
/// order); anything else back, for jq.
pub fn consumption_down(consumption: Value) -> Result<Result<Value, String>, Value> {
    let Value::Object(members) = consumption else {
        return Err(consumption);
    };
    let mut all = serde_json::Map::with_capacity(OBJECT_TYPES.len() + members.len());
    // The order of `CONSUMPTION_DOWN`'s object (the tests compare the two).
    for object_type in OBJECT_TYPES {
        all.insert(object_type.to_owned(), Value::Array(Vec::new()));
    }
    for (name, value) in members {
        all.insert(name, value);
    }
    Ok(Ok(Value::Object(all)))
}

/// [`GET_NEXT_RANGES_UP`] in Rust, for requests whose `type` is a string and whose `ranges` are
/// objects with integer `from` and `to`; any other input back, for jq.
pub fn get_next_ranges_up(mut request: Value) -> Result<Result<Value, String>, Value> {
    let Some(bounds) = bounds(&request) else {
        return Err(request);
    };
    let object_type = request["type"].as_str().unwrap_or_default();
    if object_type.contains('_') {
        return Ok(Err(format!("Invalid object type: {object_type}")));
    }
    if bounds.iter().any(|&(from, to)| from == 0 || to == 0) {
        return Ok(Err(
            "Invalid ranges: range numbers must not be zero".to_owned()
        ));
    }
    if bounds.iter().any(|&(from, to)| from > to) {
        return Ok(Err(
            "Invalid ranges: `from` must not be greater than `to`".to_owned()
        ));
    }
    // jq's `sort_by` is stable, as `sort_by_key` is.
    let mut order: Vec<usize> = (0..bounds.len()).collect();
    order.sort_by_key(|&index| bounds[index].0);
    if order
        .windows(2)
        .any(|pair| bounds[pair[1]].0 <= bounds[pair[0]].1)
    {
        return Ok(Err("Invalid ranges: ranges must not overlap".to_owned()));
    }
    let Some(object) = request.as_object_mut() else {
        return Err(request);
    };
    if let Some(Value::Array(ranges)) = object.get_mut("ranges") {
        let mut taken: Vec<Option<Value>> = ranges.drain(..).map(Some).collect();
        ranges.extend(order.iter().filter_map(|&index| taken[index].take()));
    }
    object.shift_remove("perRange");
    object.shift_remove("require");
    Ok(Ok(request))
}

/// The `(from, to)` of each range, when `type` is a string and every range is an object with
/// integer bounds (the shape v1 validates).
fn bounds(request: &Value) -> Option<Vec<(i64, i64)>> {
    request.get("type")?.as_str()?;
    request
        .get("ranges")?
        .as_array()?
        .iter()
        .map(|range| Some((range.get("from")?.as_i64()?, range.get("to")?.as_i64()?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::{Map as Object, json};

    use super::*;

    /// jq's answer to `source` on `input`: the value, or the message of its error.
    fn jq(source: &str, input: &Value) -> Result<Value, String> {
        apivolve_model::compile_jq(source)
            .unwrap()
            .run(input.clone())
            .map_err(|error| error.message)
    }

    /// Whether the released evolution `file` holds `source` as it is (quoted on one line, or as
    /// a block under `up:`/`down:`).
    fn released(file: &str, source: &str) -> bool {
        let text = std::fs::read_to_string(crate::api_dir().join("v2.0.0").join(file)).unwrap();
        let block: String = source
            .lines()
            .map(|line| format!("        {line}\n"))
            .collect();
        text.contains(&format!("'{source}'")) || text.contains(&block)
    }

    fn requests() -> Vec<Value> {
        let range = |from: i64, to: i64| json!({"from": from, "to": to});
        let range_lists = vec![
            vec![],
            vec![range(50000, 59999)],
            vec![range(70000, 70999), range(50000, 59999)],
            vec![range(1, 10), range(20, 30), range(11, 19)],
            vec![range(1, 10), range(10, 20)],
            vec![range(20, 30), range(1, 25)],
            vec![range(5, 5), range(5, 9)],
            vec![range(0, 10)],
            vec![range(10, 0)],
            vec![range(30, 20), range(1, 2)],
            vec![range(-5, -1), range(-10, -6)],
            vec![range(3, 4), range(3, 8), range(1, 2)],
            // Equal `from`s: the stable sort keeps their order (then they overlap).
            vec![
                json!({"from": 7, "to": 9, "name": "b"}),
                json!({"from": 7, "to": 8, "name": "a"}),
            ],
        ];
        let mut requests = Vec::new();
        for (index, ranges) in range_lists.into_iter().enumerate() {
            for object_type in ["codeunit", "table_50100", "_", "page"] {
                let mut request = json!({
                    "appId": format!("app-{index}"),
                    "type": object_type,
                    "ranges": ranges,
                    "content": {"user": "dev"},
                });
                if index % 2 == 0 {
                    request["perRange"] = json!(true);
                    request["require"] = json!(50001);
                }
                requests.push(request);
            }
        }
        requests
    }

    #[test]
    fn the_programs_are_those_of_the_released_files() {
        assert!(released("0001-getnext-ranges.yaml", GET_NEXT_RANGES_UP));
        assert!(released("0001-getnext-ranges.yaml", GET_NEXT_ID_DOWN));
        assert!(released("0004-sync-consumption.yaml", CONSUMPTION_DOWN));
    }

    #[test]
    fn the_rust_ranges_step_answers_what_jq_answers() {
        for request in requests() {
            match get_next_ranges_up(request.clone()) {
                Ok(answer) => assert_eq!(answer, jq(GET_NEXT_RANGES_UP, &request), "{request}"),
                Err(back) => panic!("handed back a validated shape: {back}"),
            }
        }
    }

    #[test]
    fn the_rust_id_and_consumption_steps_answer_what_jq_answers() {
        for id in [
            json!(50001),
            json!([]),
            json!([50001, 70001]),
            json!([null, 3]),
            json!([false]),
            json!([0]),
            json!([true]),
            json!(null),
            json!("text"),
            json!({"a": 1}),
        ] {
            assert_eq!(
                get_next_id_down(id.clone()),
                Ok(jq(GET_NEXT_ID_DOWN, &id)),
                "{id}"
            );
        }
        for consumption in [
            json!({}),
            json!({"table": [50000, 50001]}),
            json!({"zzz": [1], "codeunit": [5], "aaa": []}),
            json!({"xmlport": [9], "codeunit": [1, 2], "report": null}),
            Value::Object(Object::from_iter(
                OBJECT_TYPES.map(|name| (name.to_owned(), json!([1]))),
            )),
        ] {
            assert_eq!(
                consumption_down(consumption.clone()),
                Ok(jq(CONSUMPTION_DOWN, &consumption)),
                "{consumption}"
            );
        }
        for other in [json!([1]), json!(null), json!("x")] {
            assert_eq!(consumption_down(other.clone()), Err(other));
        }
    }

    /// The chain of the released project runs the Rust steps for v1's calls.
    #[test]
    fn the_v1_plans_run_the_rust_steps() {
        use apivolve_migrate::Direction::{Request, Response};

        let (project, diagnostics) = apivolve_model::Project::load(crate::api_dir()).unwrap();
        let report = apivolve_model::check(
            &project,
            diagnostics,
            &apivolve_model::CheckOptions::default(),
        );
        let v1 = &report.history.chain[0];
        let native = |registry: &Registry, endpoint: &str, direction| {
            let migrator =
                apivolve_migrate::Migrator::compile(&project, &report.history, registry).unwrap();
            let plan = migrator.plan(endpoint, v1, direction).unwrap().to_string();
            plan.matches("(native)").count()
        };
        for (endpoint, direction) in [
            ("getNext", Request),
            ("getNext", Response),
            ("syncIds", Response),
        ] {
            assert_eq!(
                native(&registry(), endpoint, direction),
                1,
                "{endpoint} {direction}"
            );
            assert_eq!(native(&Registry::new(), endpoint, direction), 0);
        }
    }

    #[test]
    fn inputs_outside_the_v1_shape_go_to_jq() {
        for request in [
            json!({"type": "codeunit", "ranges": [{"from": 1}]}),
            json!({"type": "codeunit", "ranges": [{"from": 1.5, "to": 2}]}),
            json!({"type": 5, "ranges": []}),
            json!({"type": "codeunit"}),
            json!([1, 2]),
        ] {
            assert_eq!(get_next_ranges_up(request.clone()), Err(request));
        }
    }
}
