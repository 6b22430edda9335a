//! Authored transforms: jq errors, and Rust functions registered (or not) by the application.

use apivolve_migrate::{Direction, Error, Registry};
use serde_json::{Value, json};

use crate::demo::version;
use crate::mini::{compile, request};

#[test]
fn jq_errors_carry_their_message() {
    let migrator = compile(
        &[r#"
description: Refuse things without a name.
changes:
  - custom:
      description: Names are required.
      endpoint: things.put
      impact: breaking
      up: 'if has("name") then . else error("x") end'
"#],
        &Registry::new(),
    )
    .unwrap();
    assert_eq!(
        request(
            &migrator,
            "things.put",
            &version("1.0.0"),
            json!({"name": "a"})
        ),
        Ok(json!({"name": "a"}))
    );
    assert_eq!(
        request(&migrator, "things.put", &version("1.0.0"), json!({})),
        Err(Error::Transform {
            transform: r#"jq `if has("name") then . else error("x") end`"#.to_owned(),
            message: "x".to_owned(),
        })
    );
}

const NAMED_FUNCTIONS: &str = r#"
description: Things are stamped by a function of the application.
changes:
  - custom:
      description: Stamps things.
      type: Thing
      impact: breaking
      up_fn: stamp
      down_fn: unstamp
"#;

#[test]
fn unregistered_functions_are_refused_at_compile_time() {
    let error = compile(&[NAMED_FUNCTIONS], &Registry::new()).unwrap_err();
    assert_eq!(
        error,
        Error::UnknownFunction {
            name: "stamp".to_owned(),
            origin: "2.0.0 v2.0.0/0001-things.yaml#0 custom".to_owned(),
        }
    );
    let registry = Registry::new().with("stamp", Ok);
    let error = compile(&[NAMED_FUNCTIONS], &registry).unwrap_err();
    assert!(
        matches!(&error, Error::UnknownFunction { name, .. } if name == "unstamp"),
        "{error:?}"
    );
}

#[test]
fn registered_functions_run_where_their_type_occurs() {
    let identity = Registry::new().with("stamp", Ok).with("unstamp", Ok);
    let migrator = compile(&[NAMED_FUNCTIONS], &identity).unwrap();
    assert_eq!(
        request(
            &migrator,
            "things.put",
            &version("1.0.0"),
            json!({"name": "a"})
        ),
        Ok(json!({"name": "a"}))
    );

    let registry = Registry::new()
        .with("stamp", |mut thing: Value| {
            thing["stamped"] = json!(true);
            Ok(thing)
        })
        .with("unstamp", |mut thing: Value| match thing.get("name") {
            Some(Value::String(name)) if name == "bad" => Err("no unstamping `bad`".to_owned()),
            _ => {
                if let Some(thing) = thing.as_object_mut() {
                    thing.remove("stamped");
                }
                Ok(thing)
            }
        });
    let migrator = compile(&[NAMED_FUNCTIONS], &registry).unwrap();
    assert_eq!(
        request(
            &migrator,
            "things.put",
            &version("1.0.0"),
            json!({"name": "a"})
        ),
        Ok(json!({"name": "a", "stamped": true}))
    );
    let plan = migrator
        .plan("things.list", &version("1.0.0"), Direction::Response)
        .unwrap();
    assert_eq!(
        plan.to_string(),
        "plan for `things.list` response from 2.0.0 to 1.0.0: 1 step(s)\n  \
         1. [2.0.0 v2.0.0/0001-things.yaml#0 custom] `Thing` at 200 /*: transform the value \
         with function `unstamp`\n"
    );
    let list = json!([{"name": "a", "stamped": true}, {"stamped": true}]);
    assert_eq!(
        plan.migrate_response(200, Some(list)).unwrap().body,
        Some(json!([{"name": "a"}, {}]))
    );
    let error = plan
        .migrate_response(200, Some(json!([{"name": "bad"}])))
        .unwrap_err();
    assert_eq!(
        error,
        Error::Transform {
            transform: "function `unstamp`".to_owned(),
            message: "no unstamping `bad`".to_owned(),
        }
    );
}
