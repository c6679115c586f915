//! The plan document: the form of `data/yubei/plan.json` and of every stored version.

use serde::{Deserialize, Serialize};

/// The whole plan: its goals, the key tasks (重点任务) and the safeguards (保障机制).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanDocument {
    pub title: String,
    pub title_en: String,
    pub preamble: String,
    pub goals: Goals,
    pub tasks: Vec<TaskText>,
    pub safeguards: Vec<TaskText>,
    /// Measurable targets the plan states, by indicator key.
    pub indicator_targets: Vec<IndicatorTarget>,
}

/// 总体要求: the approach (发展思路, with the "six ones") and the overall goal (总体目标).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Goals {
    pub approach: String,
    pub overall: String,
    pub target_year: i32,
    /// The domains of new models and services by the target year (工业, 交通, …).
    pub domains: Vec<String>,
    /// "6个一".
    pub six_ones: Vec<SixOne>,
    /// The five chains to integrate (创新链, …).
    pub chains: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SixOne {
    pub code: String,
    pub text: String,
}

/// A key task or safeguard as the plan words it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskText {
    /// `T1`…`T11`, `S1`…`S4`.
    pub code: String,
    pub number: i64,
    /// The heading the task sits under (key tasks only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section: Option<String>,
    pub title: String,
    pub text: String,
    /// 责任单位 in the plan's order; the first leads unless the office changes it.
    pub units: Vec<UnitRef>,
    /// Code of the leading unit when the office changed it (absent: the first unit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead: Option<String>,
}

/// A responsible unit by its organisation code and its name as the plan writes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitRef {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IndicatorTarget {
    pub indicator: String,
    pub target: f64,
    /// The date by which the plan wants it (YYYY-MM-DD).
    pub due: String,
    /// The plan's words the target comes from.
    pub basis: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaskKind {
    /// 重点任务.
    Task,
    /// 保障机制.
    Safeguard,
}

impl TaskKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TaskKind::Task => "task",
            TaskKind::Safeguard => "safeguard",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [TaskKind::Task, TaskKind::Safeguard]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

impl PlanDocument {
    /// Every task and safeguard with its kind, in the plan's order.
    pub fn entries(&self) -> impl Iterator<Item = (TaskKind, &TaskText)> {
        self.tasks
            .iter()
            .map(|t| (TaskKind::Task, t))
            .chain(self.safeguards.iter().map(|t| (TaskKind::Safeguard, t)))
    }

    /// Checks what the loader relies on: unique task codes, at least one unit each, no unit
    /// twice in a task, a lead among the task's units.
    pub fn check(&self) -> Result<(), String> {
        let mut codes = std::collections::HashSet::new();
        for (_, task) in self.entries() {
            if !codes.insert(task.code.as_str()) {
                return Err(format!("task code {} appears twice", task.code));
            }
            if task.units.is_empty() {
                return Err(format!("task {} names no responsible unit", task.code));
            }
            let mut units = std::collections::HashSet::new();
            if !task.units.iter().all(|u| units.insert(u.code.as_str())) {
                return Err(format!("task {} names a unit twice", task.code));
            }
            if let Some(lead) = task.lead.as_deref().filter(|l| !units.contains(l)) {
                return Err(format!(
                    "task {}: lead {lead} is not one of its units",
                    task.code
                ));
            }
        }
        Ok(())
    }
}

impl TaskText {
    /// The leading unit's code: the office's choice, else the first unit named.
    pub fn lead_code(&self) -> &str {
        self.lead
            .as_deref()
            .or_else(|| self.units.first().map(|u| u.code.as_str()))
            .unwrap_or_default()
    }
}
