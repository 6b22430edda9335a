//! Authored transformations: jq expressions and Rust functions registered by the application.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use apivolve_model::JqProgram;
use serde_json::Value;

use crate::error::{Error, Result};

/// A Rust function that migrates a value; its error message reaches the client on requests.
pub type Converter = Arc<dyn Fn(Value) -> Result<Value, String> + Send + Sync>;

/// The named Rust converters an application registers for `custom` changes (`up_fn`, `down_fn`).
#[derive(Clone, Default)]
pub struct Registry {
    functions: BTreeMap<String, Converter>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers `function` under `name`.
    #[must_use]
    pub fn with(
        mut self,
        name: impl Into<String>,
        function: impl Fn(Value) -> Result<Value, String> + Send + Sync + 'static,
    ) -> Self {
        self.functions.insert(name.into(), Arc::new(function));
        self
    }

    pub(crate) fn get(&self, name: &str) -> Option<&Converter> {
        self.functions.get(name)
    }

    /// The registered names.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.functions.keys().map(String::as_str)
    }
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.functions.keys()).finish()
    }
}

/// A jq program or a registered function.
#[derive(Clone)]
pub(crate) enum Transform {
    Jq { source: String, program: JqProgram },
    Function { name: String, function: Converter },
}

impl Transform {
    pub(crate) fn run(&self, value: Value) -> Result<Value> {
        match self {
            Self::Jq { source, program } => program.run(value).map_err(|error| Error::Transform {
                transform: format!("jq `{source}`"),
                message: error.message,
            }),
            Self::Function { name, function } => {
                function(value).map_err(|message| Error::Transform {
                    transform: format!("function `{name}`"),
                    message,
                })
            }
        }
    }
}

impl fmt::Display for Transform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Jq { source, .. } => write!(
                f,
                "jq `{}`",
                source.split_whitespace().collect::<Vec<_>>().join(" ")
            ),
            Self::Function { name, .. } => write!(f, "function `{name}`"),
        }
    }
}

impl fmt::Debug for Transform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}
