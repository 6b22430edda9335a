//! JSON Schemas of the files a user writes: evolution files and `apivolve.toml`.
//!
//! Editors complete and check a file against them (the YAML language server reads a
//! `# yaml-language-server: $schema=...` comment; Taplo reads JSON Schemas for TOML). Copies
//! are committed beside this crate's `Cargo.toml` (`evolution.schema.json`,
//! `config.schema.json`); a test fails when they are out of date, and `APIVOLVE_BLESS=1`
//! rewrites them.

use schemars::JsonSchema;
use serde_json::{Map, Value, json};

use crate::change::EvolutionFile;
use crate::config::Config;

/// The `$id` of the evolution file format's schema.
pub(crate) const EVOLUTION_FILE_SCHEMA_ID: &str = "urn:apivolve:schema:evolution-file";

/// The `$id` of the `apivolve.toml` format's schema.
pub(crate) const CONFIG_FILE_SCHEMA_ID: &str = "urn:apivolve:schema:config-file";

/// The JSON Schema (2020-12) of an evolution file.
pub fn evolution_file_schema() -> Value {
    schema_of::<EvolutionFile>(EVOLUTION_FILE_SCHEMA_ID, "apivolve evolution file")
}

/// The JSON Schema (2020-12) of `apivolve.toml`.
pub fn config_file_schema() -> Value {
    schema_of::<Config>(CONFIG_FILE_SCHEMA_ID, "apivolve.toml")
}

/// The schema of `T` with `$schema`, then `$id` and `title`, then what schemars generated.
fn schema_of<T: JsonSchema>(id: &str, title: &str) -> Value {
    let generated = schemars::SchemaGenerator::default()
        .into_root_schema_for::<T>()
        .to_value();
    let mut schema = Map::new();
    if let Value::Object(mut generated) = generated {
        if let Some(dialect) = generated.remove("$schema") {
            schema.insert("$schema".to_owned(), dialect);
        }
        schema.insert("$id".to_owned(), json!(id));
        schema.insert("title".to_owned(), json!(title));
        generated.remove("title");
        schema.extend(generated);
    }
    Value::Object(schema)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    /// Compares `schema` with the committed copy; rewrites it under `APIVOLVE_BLESS=1`.
    fn check_committed(file: &str, schema: &Value) {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
        let text = format!("{}\n", serde_json::to_string_pretty(schema).unwrap());
        if std::env::var_os("APIVOLVE_BLESS").is_some_and(|value| value == "1") {
            std::fs::write(&path, &text).unwrap();
            return;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == text,
            "`{file}` is out of date: run `APIVOLVE_BLESS=1 cargo test -p apivolve-model format_schema` and commit it"
        );
    }

    #[test]
    fn committed_evolution_schema_is_up_to_date() {
        check_committed("evolution.schema.json", &evolution_file_schema());
    }

    #[test]
    fn committed_config_schema_is_up_to_date() {
        check_committed("config.schema.json", &config_file_schema());
    }

    #[test]
    fn the_evolution_schema_takes_valid_files_and_refuses_typos() {
        let schema = evolution_file_schema();
        assert_eq!(schema["$id"], EVOLUTION_FILE_SCHEMA_ID);
        let validator = jsonschema::draft202012::new(&schema).unwrap();
        let file = json!({
            "description": "Users get a birthday; `name` becomes `full_name`.",
            "changes": [
                {"add_field": {"type": "User", "field": "birthday", "schema": {"type": "string", "format": "date"}}},
                {"rename_field": {"type": "User", "from": "name", "to": "full_name"}},
                {"change_field": {"type": "Order", "field": "amount", "schema": {"type": "string"}, "up": "tostring", "down": "tonumber"}},
                {"set_lifecycle": {"endpoint": "users.get", "state": "deprecated", "date": "2025-01-31"}},
                {"add_endpoint": {"id": "users.get", "methods": ["GET"], "path": "/users/{id}",
                    "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                    "responses": {"200": {"schema": {"$ref": "#/types/User"}}}}},
            ],
            "suppress": [{"rule": "response-property-removed", "reason": "nobody reads it"}],
            "examples": [{"endpoint": "users.get", "response": {"id": "u1"}}],
        });
        let errors: Vec<String> = validator
            .iter_errors(&file)
            .map(|error| error.to_string())
            .collect();
        assert!(errors.is_empty(), "{errors:#?}");
        // The same file parses as an evolution, so the schema and serde agree on it.
        serde_json::from_value::<EvolutionFile>(file).unwrap();

        let typo = json!({"description": "d", "changes": [{"renam_field": {"type": "User", "from": "a", "to": "b"}}]});
        assert!(!validator.is_valid(&typo));
        let unknown_key = json!({"description": "d", "changes": [{"rename_field": {"type": "U", "form": "a", "to": "b"}}]});
        assert!(!validator.is_valid(&unknown_key));
        let bad_state = json!({"description": "d", "changes": [{"set_lifecycle": {"endpoint": "e", "state": "gone"}}]});
        assert!(!validator.is_valid(&bad_state));
        assert!(
            !validator.is_valid(&json!({"changes": []})),
            "`description` is required"
        );
    }

    #[test]
    fn the_config_schema_takes_a_config_and_refuses_unknown_keys() {
        let validator = jsonschema::draft202012::new(&config_file_schema()).unwrap();
        let config: toml::Value = toml::from_str(
            "name = 'shop'\nbase_path = '/api'\n[negotiation]\norder = ['uri', 'header']\ndefault = '1.2'\n\
             [versions.'1.0.0']\ndeprecated = '2025-01-01'\nretired = true\n[bulk]\nmax_lines = 10\n",
        )
        .unwrap();
        let config = serde_json::to_value(config).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&config)
            .map(|error| error.to_string())
            .collect();
        assert!(errors.is_empty(), "{errors:#?}");
        serde_json::from_value::<Config>(config).unwrap();
        assert!(!validator.is_valid(&json!({"name": "shop", "base_pth": "/api"})));
        assert!(
            !validator.is_valid(&json!({"name": "shop", "negotiation": {"order": ["cookie"]}}))
        );
    }
}
