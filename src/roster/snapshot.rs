//! The company's records as an import's plan sees them: read by the store, planned against by
//! `services::roster::plan`.

use serde::{Deserialize, Serialize};

/// The company's records the plan is made against.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// The lines the import may touch (a manager's: those their rights cover); to the plan,
    /// no other line of the company is there.
    pub lines: Lines,
    /// The departments a manager's rights cover (subtrees included); `None`: every one.
    pub departments_allowed: Option<std::collections::HashSet<i64>>,
    /// The employees the import may touch (a manager's: in their departments, or holding one
    /// of their lines).
    pub employees: Vec<EmployeeNow>,
    pub departments: Vec<DepartmentNow>,
    /// The region's tariffs open to business: (code, name).
    pub tariffs: Vec<(String, String)>,
}

/// Lines by number: one array sorted by the number's digits, searched by halves over those
/// digits as integers (a compact array the search reads from cache). For 100,000 lines it holds
/// half of what a hash map by number would: no second copy of each number, no empty slots.
#[derive(Debug, Clone, Default)]
pub struct Lines {
    keys: Vec<u64>,
    lines: Vec<LineNow>,
}

/// A number's digits as an integer; `u64::MAX` for one that is not digits after a `+` (never
/// stored, but then found by comparing the text).
fn number_key(msisdn: &str) -> u64 {
    let digits = msisdn.strip_prefix('+').unwrap_or(msisdn);
    if digits.is_empty() || digits.len() > 19 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return u64::MAX;
    }
    digits.parse().unwrap_or(u64::MAX)
}

impl Lines {
    pub fn new(mut lines: Vec<LineNow>) -> Self {
        lines.sort_by_cached_key(|l| number_key(&l.msisdn));
        let keys = lines.iter().map(|l| number_key(&l.msisdn)).collect();
        Self { keys, lines }
    }

    fn at(&self, msisdn: &str) -> Option<usize> {
        let key = number_key(msisdn);
        let from = self.keys.partition_point(|k| *k < key);
        (from..self.keys.len())
            .take_while(|&i| self.keys[i] == key)
            .find(|&i| self.lines[i].msisdn == msisdn)
    }

    pub fn get(&self, msisdn: &str) -> Option<&LineNow> {
        self.at(msisdn).map(|i| &self.lines[i])
    }

    pub fn get_mut(&mut self, msisdn: &str) -> Option<&mut LineNow> {
        self.at(msisdn).map(|i| &mut self.lines[i])
    }

    pub fn remove(&mut self, msisdn: &str) -> Option<LineNow> {
        let i = self.at(msisdn)?;
        self.keys.remove(i);
        Some(self.lines.remove(i))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LineNow {
    pub id: i64,
    pub msisdn: String,
    pub employee_id: Option<i64>,
    pub department_id: Option<i64>,
    pub cost_centre: Option<String>,
    pub tariff_code: String,
    pub spend_limit_kop: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmployeeNow {
    pub id: i64,
    pub full_name: String,
    pub personnel_number: String,
    pub position: String,
    pub email: String,
    pub department_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct DepartmentNow {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub name: String,
}
