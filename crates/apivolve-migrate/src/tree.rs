//! What the actions, walks and guards need of a JSON value, for `serde_json::Value` and for the
//! migration's own tree ([`crate::node::Node`], which borrows from the payload's bytes).
//!
//! Both implementations follow `serde_json`'s order-preserving map: a property inserted where
//! none of its name is goes last, an insert of a present name replaces the value in place, a
//! removal shifts the properties after it. So a plan gives the same value on either tree.

use serde_json::{Map, Value};

use crate::error::Result;
use crate::transform::Transform;

/// The JSON type of a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Null,
    Bool,
    Number,
    String,
    Array,
    Object,
}

/// A JSON value that plans can migrate. `'k` is how long the strings a plan hands in (property
/// names, enum values, defaults) live: a tree may keep them borrowed.
pub(crate) trait Tree<'k>: Sized {
    /// The object type.
    type Map: Object<'k, Self>;

    fn kind(&self) -> Kind;
    /// A number with no fraction (`2`, `2.0`, `1e3`), as `serde_json` would read it.
    fn is_integer(&self) -> bool;
    fn as_object(&self) -> Option<&Self::Map>;
    fn as_object_mut(&mut self) -> Option<&mut Self::Map>;
    fn as_array_mut(&mut self) -> Option<&mut Vec<Self>>;
    /// Equality with a `serde_json` value, as `Value`'s own `==` (objects in any order).
    fn equals(&self, other: &Value) -> bool;
    /// Replaces the value by (a copy of) `value`.
    fn assign(&mut self, value: &'k Value);
    /// A copy of `value`.
    fn copy_of(value: &'k Value) -> Self;
    /// An empty object.
    fn empty_object() -> Self;
    /// Replaces the value by what `transform` makes of it.
    fn transform(&mut self, transform: &Transform) -> Result<()>;
    /// The object as a `serde_json` value (the input of a transform that derives a property).
    fn object_value(object: &Self::Map) -> Result<Value>;
    /// A tree of a transform's output.
    fn from_output(value: Value) -> Self;
}

/// A JSON object of a [`Tree`].
pub(crate) trait Object<'k, V> {
    fn is_empty(&self) -> bool;
    fn get(&self, key: &str) -> Option<&V>;
    fn get_mut(&mut self, key: &str) -> Option<&mut V>;
    fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }
    /// Removes a property (the ones after it move up).
    fn remove(&mut self, key: &str) -> Option<V>;
    /// `from` removed, its value inserted as `to`.
    fn rename(&mut self, from: &str, to: &'k str);
    /// Inserts or replaces a property.
    fn insert(&mut self, key: &'k str, value: V);
    /// The value of `key`, an empty object inserted when absent.
    fn entry_object(&mut self, key: &'k str) -> &mut V;
    fn keys(&self) -> impl Iterator<Item = &str>;
    fn iter_mut<'a>(&'a mut self) -> impl Iterator<Item = (&'a str, &'a mut V)>
    where
        V: 'a;
}

impl<'k> Tree<'k> for Value {
    type Map = Map<String, Value>;

    fn kind(&self) -> Kind {
        match self {
            Value::Null => Kind::Null,
            Value::Bool(_) => Kind::Bool,
            Value::Number(_) => Kind::Number,
            Value::String(_) => Kind::String,
            Value::Array(_) => Kind::Array,
            Value::Object(_) => Kind::Object,
        }
    }

    fn is_integer(&self) -> bool {
        match self {
            Value::Number(number) => {
                number.is_i64()
                    || number.is_u64()
                    || number.as_f64().is_some_and(|f| f.fract() == 0.0)
            }
            _ => false,
        }
    }

    fn as_object(&self) -> Option<&Self::Map> {
        self.as_object()
    }

    fn as_object_mut(&mut self) -> Option<&mut Self::Map> {
        self.as_object_mut()
    }

    fn as_array_mut(&mut self) -> Option<&mut Vec<Self>> {
        self.as_array_mut()
    }

    fn equals(&self, other: &Value) -> bool {
        self == other
    }

    fn assign(&mut self, value: &'k Value) {
        match (self, value) {
            // The slot's buffer takes the new text.
            (Value::String(text), Value::String(new)) => text.clone_from(new),
            (slot, value) => *slot = value.clone(),
        }
    }

    fn copy_of(value: &'k Value) -> Self {
        value.clone()
    }

    fn empty_object() -> Self {
        Value::Object(Map::new())
    }

    fn transform(&mut self, transform: &Transform) -> Result<()> {
        *self = transform.run(self.take())?;
        Ok(())
    }

    fn object_value(object: &Self::Map) -> Result<Value> {
        Ok(Value::Object(object.clone()))
    }

    fn from_output(value: Value) -> Self {
        value
    }
}

impl<'k> Object<'k, Value> for Map<String, Value> {
    fn is_empty(&self) -> bool {
        Map::is_empty(self)
    }

    fn get(&self, key: &str) -> Option<&Value> {
        Map::get(self, key)
    }

    fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        Map::get_mut(self, key)
    }

    fn contains_key(&self, key: &str) -> bool {
        Map::contains_key(self, key)
    }

    fn remove(&mut self, key: &str) -> Option<Value> {
        self.shift_remove(key)
    }

    fn rename(&mut self, from: &str, to: &'k str) {
        if let Some((mut key, field)) = self.shift_remove_entry(from) {
            // The removed key's buffer takes the new name.
            key.clear();
            key.push_str(to);
            Map::insert(self, key, field);
        }
    }

    fn insert(&mut self, key: &'k str, value: Value) {
        Map::insert(self, key.to_owned(), value);
    }

    fn entry_object(&mut self, key: &'k str) -> &mut Value {
        self.entry(key.to_owned())
            .or_insert_with(|| Value::Object(Map::new()))
    }

    fn keys(&self) -> impl Iterator<Item = &str> {
        Map::keys(self).map(String::as_str)
    }

    fn iter_mut<'a>(&'a mut self) -> impl Iterator<Item = (&'a str, &'a mut Value)>
    where
        Value: 'a,
    {
        Map::iter_mut(self).map(|(key, value)| (key.as_str(), value))
    }
}
