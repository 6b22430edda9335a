//! Round trips: a payload valid at a version, migrated up to latest as a request and back down
//! as a response of the same type, is valid at that version again, and equal to what was sent
//! where nothing on the way loses information.

use apivolve_migrate::{Direction, Parameters, Plan};
use apivolve_model::Schema;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use serde_json::Value;

use crate::demo::DEMO;
use crate::fixture::{errors, validator};
use crate::generate::values;

/// Change kinds whose down-migration cannot give back what the up-migration took: a removed
/// field comes back as a default, a removed enum value as another, a filled-in default stays.
/// (The demo's jq pairs, `change_field`, `split_field`, `merge_fields` and the `custom` on `Tag`,
/// are written as inverses of each other.)
const LOSSY: &[&str] = &["remove_field", "remove_enum_value", "make_required"];

/// Endpoints whose latest requests carry more than their responses give back (`custom` stamps
/// `client` on notes).
const STAMPED: &[&str] = &["notes.create"];

/// The request schema, when every success response has that schema too.
fn shared_schema(endpoint: &apivolve_model::Endpoint) -> Option<&Schema> {
    let request = &endpoint.request.as_ref()?.schema;
    let mut successes = endpoint
        .responses
        .iter()
        .filter(|(status, _)| (200..300).contains(*status))
        .peekable();
    successes.peek()?;
    successes
        .all(|(_, body)| &body.schema == request)
        .then_some(request)
}

fn lossless(plans: [&Plan; 2]) -> bool {
    plans
        .iter()
        .flat_map(|plan| plan.steps())
        .all(|step| !LOSSY.contains(&step.origin.kind))
}

#[test]
fn round_trips_stay_valid_and_are_exact_where_nothing_is_lost() {
    let latest = DEMO.latest();
    let mut pairs = 0;
    let mut exact = 0;
    for at in DEMO.versions() {
        let snapshot = DEMO.snapshot(at);
        for (id, endpoint) in &snapshot.endpoints {
            let Some(schema) = shared_schema(endpoint) else {
                continue;
            };
            let Some((latest_status, _)) =
                DEMO.snapshot(latest)
                    .endpoints
                    .get(id)
                    .and_then(|endpoint| {
                        endpoint
                            .responses
                            .iter()
                            .find(|(s, _)| (200..300).contains(*s))
                    })
            else {
                continue;
            };
            let up = DEMO.migrator.plan(id, at, Direction::Request).unwrap();
            let down = DEMO.migrator.plan(id, at, Direction::Response).unwrap();
            let equal = lossless([up, down]) && !STAMPED.contains(&id.as_str());
            pairs += 1;
            exact += usize::from(equal);
            let valid = validator(snapshot, schema);
            let config = Config {
                cases: 48,
                failure_persistence: None,
                ..Config::default()
            };
            let mut runner =
                TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha));
            let result = runner.run(&values(snapshot, schema), |payload| {
                let problems = errors(&valid, &payload);
                if !problems.is_empty() {
                    return Err(TestCaseError::fail(format!(
                        "the generator made an invalid payload: {problems:?}"
                    )));
                }
                let mut body = Some(payload.clone());
                up.migrate_request(&mut body, &mut Parameters::default())
                    .map_err(|error| TestCaseError::fail(format!("up: {error}")))?;
                let back = down
                    .migrate_response(*latest_status, body)
                    .map_err(|error| TestCaseError::fail(format!("down: {error}")))?;
                if !endpoint.responses.contains_key(&back.status) {
                    return Err(TestCaseError::fail(format!("status {} back", back.status)));
                }
                let back = back.body.unwrap_or(Value::Null);
                let problems = errors(&valid, &back);
                if !problems.is_empty() {
                    return Err(TestCaseError::fail(format!(
                        "not valid at {at} after the round trip: {problems:?}\n{back}"
                    )));
                }
                if equal && back != payload {
                    return Err(TestCaseError::fail(format!(
                        "changed by the round trip:\n{back}"
                    )));
                }
                Ok(())
            });
            if let Err(error) = result {
                panic!("`{id}` at {at}: {error}");
            }
        }
    }
    assert!(pairs >= 40, "only {pairs} endpoint versions round-tripped");
    assert!(
        exact >= 20,
        "only {exact} endpoint versions checked for equality"
    );
}
