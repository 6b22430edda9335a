//! The migration of one endpoint at one version, as the layer runs it: the endpoint's own plan
//! and, for an endpoint removed with a successor, the successor's plan from the removal on (a
//! plan follows one endpoint id, so it stops where that endpoint was removed).

use std::fmt;
use std::sync::Arc;

use apivolve_migrate::{Direction, MigratedResponse, Parameters, Plan, Result};
use serde_json::Value;

/// Plans in request order: the client's endpoint first, then each successor.
#[derive(Clone, Debug)]
pub(crate) struct Migration {
    plans: Vec<Arc<Plan>>,
}

impl Migration {
    /// A migration through `plans`, oldest endpoint first.
    pub(crate) fn new(plans: Vec<Arc<Plan>>) -> Self {
        Self { plans }
    }

    /// True when no plan has a step: the payload passes through untouched.
    pub(crate) fn is_empty(&self) -> bool {
        self.plans.iter().all(|plan| plan.is_empty())
    }

    /// Whether any step reads or writes the body.
    pub(crate) fn touches_body(&self) -> bool {
        self.plans.iter().any(|plan| plan.touches_body())
    }

    /// The one plan with steps, when only one has any: the response can then migrate from its
    /// text to its text ([`Plan::migrate_response_bytes`]).
    pub(crate) fn single(&self) -> Option<&Plan> {
        let mut plans = self.plans.iter().filter(|plan| !plan.is_empty());
        match (plans.next(), plans.next()) {
            (Some(plan), None) => Some(plan),
            _ => None,
        }
    }

    /// Migrates a request up: each plan in turn.
    pub(crate) fn migrate_request(
        &self,
        body: &mut Option<Value>,
        parameters: &mut Parameters,
    ) -> Result<()> {
        for plan in &self.plans {
            plan.migrate_request(body, parameters)?;
        }
        Ok(())
    }

    /// Migrates a response down: the successors' plans first, the client's endpoint's last.
    pub(crate) fn migrate_response(
        &self,
        status: u16,
        body: Option<Value>,
    ) -> Result<MigratedResponse> {
        let mut response = MigratedResponse {
            status,
            body,
            media_type: None,
        };
        for plan in self.plans.iter().rev() {
            let migrated = plan.migrate_response(response.status, response.body.take())?;
            response.status = migrated.status;
            response.body = migrated.body;
            if migrated.media_type.is_some() {
                response.media_type = migrated.media_type;
            }
        }
        Ok(response)
    }
}

/// The plans in the order they apply.
impl fmt::Display for Migration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let response = self
            .plans
            .first()
            .is_some_and(|plan| plan.direction == Direction::Response);
        let mut plans: Vec<&Arc<Plan>> = self.plans.iter().collect();
        if response {
            plans.reverse();
        }
        for plan in plans {
            write!(f, "{plan}")?;
        }
        Ok(())
    }
}
