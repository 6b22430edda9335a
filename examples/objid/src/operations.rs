//! The v2 operations, over one unit of work. One document per app: `app/{appId}`.
//!
//! Every operation reads the documents it needs through the unit (each at most once) and stages
//! its writes; the caller commits. Operations are deterministic in their reads, so a unit that
//! conflicts can be run again from fresh reads.

use std::sync::Arc;

use serde::Deserialize as _;
use serde_json::{Map, Value, json};

use apivolve_store::UnitOfWork;

use crate::error::{ObjidError, Result};
use crate::objects::{ObjectType, Range, first_free, is_consumption_key, used_numbers};

/// The key of an app's document.
pub fn app_key(app_id: &str) -> String {
    format!("app/{app_id}")
}

fn string_field<'a>(request: &'a Value, name: &str) -> Result<&'a str> {
    match request.get(name) {
        None | Some(Value::Null) => {
            Err(ObjidError::BadRequest(format!("Missing property: {name}")))
        }
        Some(Value::String(text)) => Ok(text),
        Some(_) => Err(ObjidError::BadRequest(format!(
            "Invalid type for property [{name}]: expected string"
        ))),
    }
}

/// Reads an app's document (empty when unknown), shared with the store's cache rather than
/// copied: operations only read it and stage their changes as merge patches.
async fn app_document(unit: &UnitOfWork, app_id: &str) -> Result<Arc<Value>> {
    Ok(unit
        .get_shared(&app_key(app_id))
        .await?
        .unwrap_or_else(|| Arc::new(json!({}))))
}

/// Reads an app's document (empty when unknown) and checks its key.
async fn authorized_app(
    unit: &UnitOfWork,
    app_id: &str,
    auth_key: Option<&str>,
) -> Result<Arc<Value>> {
    let document = app_document(unit, app_id).await?;
    check_key(&document, auth_key)?;
    Ok(document)
}

fn is_authorized(document: &Value) -> bool {
    document
        .pointer("/_authorization/valid")
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

fn check_key(document: &Value, auth_key: Option<&str>) -> Result<()> {
    if !is_authorized(document) {
        return Ok(());
    }
    let key = document
        .pointer("/_authorization/key")
        .and_then(Value::as_str);
    if key.is_some() && key == auth_key {
        Ok(())
    } else {
        Err(ObjidError::Unauthorized)
    }
}

fn parse_type(request: &Value) -> Result<ObjectType> {
    let name = string_field(request, "type")?;
    ObjectType::parse(name)
        .ok_or_else(|| ObjidError::BadRequest(format!("Invalid object type: {name}")))
}

fn parse_ranges(request: &Value) -> Result<Vec<Range>> {
    let value = request
        .get("ranges")
        .ok_or_else(|| ObjidError::BadRequest("Missing property: ranges".to_owned()))?;
    let ranges = Vec::<Range>::deserialize(value).map_err(|_| {
        ObjidError::BadRequest(
            "Invalid ranges: each range needs whole numbers `from` and `to`".to_owned(),
        )
    })?;
    if ranges.is_empty() {
        return Err(ObjidError::BadRequest(
            "Invalid ranges: at least one range is needed".to_owned(),
        ));
    }
    Ok(ranges)
}

/// `getNext`: the first free number (GET peeks, POST commits it). `attempt` is the run of the
/// unit of work (1 for the first).
pub async fn get_next(
    unit: &UnitOfWork,
    request: &Value,
    commit: bool,
    attempt: u32,
) -> Result<Value> {
    let app_id = string_field(request, "appId")?;
    let object_type = parse_type(request)?;
    let ranges = parse_ranges(request)?;
    let per_range = request
        .get("perRange")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let require = request.get("require").and_then(Value::as_u64);
    let document =
        authorized_app(unit, app_id, request.get("authKey").and_then(Value::as_str)).await?;

    let key = object_type.key();
    let used = used_numbers(&document, &key);
    let mut search = ranges.clone();
    if let ObjectType::Fields { object, .. } = object_type {
        // The app's own object: its fields start at 1.
        if ranges.iter().any(|range| range.contains(object)) {
            search.insert(
                0,
                Range {
                    from: 1,
                    to: 49_999,
                },
            );
        }
    }
    let has_consumption = !used.is_empty();

    let (id, chosen) = if per_range {
        let free: Vec<u64> = search
            .iter()
            .filter_map(|range| first_free(*range, &used))
            .collect();
        let chosen = match require {
            Some(number) if commit => {
                if !search.iter().any(|range| range.contains(number)) {
                    return Err(ObjidError::BadRequest(format!(
                        "Invalid require: {number} lies in none of the ranges"
                    )));
                }
                (used.binary_search(&number).is_err()).then_some(number)
            }
            _ => free.first().copied(),
        };
        (json!(free), chosen)
    } else {
        let free = search.iter().find_map(|range| first_free(*range, &used));
        (json!(free.unwrap_or(0)), free)
    };
    let available = chosen.is_some();

    let mut updated = false;
    if commit && let Some(number) = chosen {
        let mut numbers = used;
        let position = numbers.partition_point(|n| *n < number);
        numbers.insert(position, number);
        unit.merge(&app_key(app_id), json!({ "_ranges": ranges, key: numbers }))
            .await?;
        updated = true;
    }
    Ok(json!({
        "id": id,
        "updated": updated,
        "available": available,
        // Re-runs after a conflict: 0 when the first commit went through (as v1 documents it).
        "updateAttempts": if commit { attempt.saturating_sub(1) } else { 0 },
        "hasConsumption": has_consumption,
    }))
}

/// `authorizeApp` GET: whether the app is authorized.
pub async fn authorization(unit: &UnitOfWork, request: &Value) -> Result<Value> {
    let app_id = string_field(request, "appId")?;
    let document = app_document(unit, app_id).await?;
    Ok(json!({ "authorized": is_authorized(&document) }))
}

/// `authorizeApp` POST: protect an app with a new key.
pub async fn authorize(unit: &UnitOfWork, request: &Value, new_key: String) -> Result<Value> {
    let app_id = string_field(request, "appId")?;
    let document = app_document(unit, app_id).await?;
    if is_authorized(&document) {
        return Err(ObjidError::InvalidOperation("app is already authorized"));
    }
    unit.merge(
        &app_key(app_id),
        json!({ "_authorization": { "key": new_key, "valid": true } }),
    )
    .await?;
    Ok(json!({ "authKey": new_key }))
}

/// `authorizeApp` DELETE: remove the protection.
pub async fn deauthorize(unit: &UnitOfWork, request: &Value) -> Result<Value> {
    let app_id = string_field(request, "appId")?;
    let document = app_document(unit, app_id).await?;
    if !is_authorized(&document) {
        return Err(ObjidError::InvalidOperation("app is not authorized"));
    }
    check_key(&document, request.get("authKey").and_then(Value::as_str))?;
    unit.merge(&app_key(app_id), json!({ "_authorization": null }))
        .await?;
    Ok(json!({ "deleted": true }))
}

/// Parses `ids`: an object of type name to numbers.
fn parse_ids(ids: &Value, name: &str) -> Result<Map<String, Value>> {
    let Value::Object(map) = ids else {
        return Err(ObjidError::BadRequest(format!(
            "Invalid type for property [{name}]: expected object"
        )));
    };
    let mut parsed = Map::new();
    for (type_name, numbers) in map {
        let object_type = ObjectType::parse(type_name).ok_or_else(|| {
            ObjidError::BadRequest(
                "Invalid object ids specification: invalid object type specified".to_owned(),
            )
        })?;
        let Some(items) = numbers.as_array() else {
            return Err(ObjidError::BadRequest(format!(
                "Invalid type for property [{type_name}]: expected array"
            )));
        };
        let mut values = Vec::with_capacity(items.len());
        for item in items {
            values.push(item.as_u64().ok_or_else(|| {
                ObjidError::BadRequest(format!(
                    "Invalid type for property [{type_name}]: expected number"
                ))
            })?);
        }
        values.sort_unstable();
        values.dedup();
        parsed.insert(object_type.key(), json!(values));
    }
    Ok(parsed)
}

/// The consumption part of an app's document (types only).
fn consumption(document: &Value) -> Map<String, Value> {
    document
        .as_object()
        .map(|map| {
            map.iter()
                .filter(|(key, _)| is_consumption_key(key))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .unwrap_or_default()
}

/// Replaces (`merge == false`) or merges an app's consumption; stages the write; returns the new consumption.
async fn store_ids(
    unit: &UnitOfWork,
    app_id: &str,
    document: &Value,
    ids: Map<String, Value>,
    merge: bool,
) -> Result<Value> {
    let current = consumption(document);
    let mut patch = Map::new();
    let mut result = Map::new();
    if merge {
        result = current.clone();
        for (key, numbers) in ids {
            let mut all = used_numbers(document, &key);
            all.extend(
                numbers
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_u64),
            );
            all.sort_unstable();
            all.dedup();
            patch.insert(key.clone(), json!(all));
            result.insert(key, json!(all));
        }
    } else {
        for key in current.keys() {
            if !ids.contains_key(key) {
                patch.insert(key.clone(), Value::Null);
            }
        }
        for (key, numbers) in ids {
            patch.insert(key.clone(), numbers.clone());
            result.insert(key, numbers);
        }
    }
    unit.merge(&app_key(app_id), Value::Object(patch)).await?;
    Ok(Value::Object(result))
}

/// `syncIds`: POST replaces the app's consumption, PATCH merges into it.
pub async fn sync_ids(unit: &UnitOfWork, request: &Value, merge: bool) -> Result<Value> {
    let app_id = string_field(request, "appId")?;
    let ids = request
        .get("ids")
        .ok_or_else(|| ObjidError::BadRequest("Missing property: ids".to_owned()))?;
    let ids = parse_ids(ids, "ids")?;
    let document =
        authorized_app(unit, app_id, request.get("authKey").and_then(Value::as_str)).await?;
    store_ids(unit, app_id, &document, ids, merge).await
}

/// `autoSyncIds`: syncIds for many app folders; all-or-nothing unless `skipUnauthorized`.
pub async fn auto_sync_ids(unit: &UnitOfWork, request: &Value, merge: bool) -> Result<Value> {
    let folders = match request.get("appFolders") {
        None => {
            return Err(ObjidError::BadRequest(
                "Missing property: appFolders".to_owned(),
            ));
        }
        Some(Value::Array(folders)) => folders,
        Some(_) => {
            return Err(ObjidError::BadRequest(
                "Invalid type for property [appFolders]: expected array".to_owned(),
            ));
        }
    };
    let skip_unauthorized = request
        .get("skipUnauthorized")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let mut parsed = Vec::with_capacity(folders.len());
    for folder in folders {
        let app_id = string_field(folder, "appId")?;
        let ids = folder
            .get("ids")
            .ok_or_else(|| ObjidError::BadRequest("Missing property: ids".to_owned()))?;
        parsed.push((
            app_id,
            folder.get("authKey").and_then(Value::as_str),
            parse_ids(ids, "ids")?,
        ));
    }
    let keys: Vec<String> = parsed
        .iter()
        .map(|(app_id, _, _)| app_key(app_id))
        .collect();
    let documents = unit.get_many_shared(&keys).await?;
    let mut allowed = Vec::new();
    for ((app_id, auth_key, ids), document) in parsed.into_iter().zip(documents) {
        let document = document.unwrap_or_else(|| Arc::new(json!({})));
        match check_key(&document, auth_key) {
            Ok(()) => allowed.push((app_id, document, ids)),
            Err(_) if skip_unauthorized => {}
            Err(error) => return Err(error),
        }
    }
    let mut result = Map::new();
    for (app_id, document, ids) in allowed {
        let consumption = store_ids(unit, app_id, &document, ids, merge).await?;
        result.insert(app_id.to_owned(), consumption);
    }
    Ok(Value::Object(result))
}

/// `getConsumption`: the app's numbers per type and their total.
pub async fn get_consumption(unit: &UnitOfWork, request: &Value) -> Result<Value> {
    let app_id = string_field(request, "appId")?;
    let document =
        authorized_app(unit, app_id, request.get("authKey").and_then(Value::as_str)).await?;
    let mut result = consumption(&document);
    let total: usize = result
        .values()
        .filter_map(Value::as_array)
        .map(Vec::len)
        .sum();
    result.insert("_total".to_owned(), json!(total));
    Ok(Value::Object(result))
}

/// `storeAssignment`: POST adds one number, DELETE removes it.
pub async fn store_assignment(unit: &UnitOfWork, request: &Value, add: bool) -> Result<Value> {
    let app_id = string_field(request, "appId")?;
    let object_type = parse_type(request)?;
    let id = match request.get("id") {
        None => return Err(ObjidError::BadRequest("Missing property: id".to_owned())),
        Some(value) => value.as_u64().ok_or_else(|| {
            ObjidError::BadRequest("Invalid type for property [id]: expected number".to_owned())
        })?,
    };
    let document =
        authorized_app(unit, app_id, request.get("authKey").and_then(Value::as_str)).await?;
    let key = object_type.key();
    let mut numbers = used_numbers(&document, &key);
    let updated = match (numbers.binary_search(&id), add) {
        (Err(position), true) => {
            numbers.insert(position, id);
            true
        }
        (Ok(position), false) => {
            numbers.remove(position);
            true
        }
        _ => false,
    };
    if updated {
        unit.merge(&app_key(app_id), json!({ key: numbers }))
            .await?;
    }
    Ok(json!({ "updated": updated }))
}

/// `checkApp`: whether anything is stored for an app.
pub async fn check_app(unit: &UnitOfWork, request: &Value) -> Result<Value> {
    let app_id = string_field(request, "appId")?;
    Ok(json!({ "known": unit.get_shared(&app_key(app_id)).await?.is_some() }))
}
