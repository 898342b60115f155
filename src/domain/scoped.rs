//! Who acts, for which company, over which of its lines: what a permit proves, as the store
//! applies it. Only `authz` makes a [`Scoped`] (its constructor is crate-private, and a test
//! checks that nothing outside `src/authz/` calls it), so a store function that takes one can
//! only be reached through a granted check.

/// Who did it: a signed-in user or an API token (with the address they came from), or the
/// operator's CLI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub label: String,
    pub ip: String,
    /// The API token that acts, if one does.
    pub token_id: Option<i64>,
}

impl Actor {
    pub fn cli() -> Self {
        Self {
            user_id: None,
            label: "cli".into(),
            ip: String::new(),
            token_id: None,
        }
    }
}

/// Who holds rights: a person, or an API token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    User(i64),
    Token(i64),
}

impl Holder {
    /// The casbin subject.
    pub fn subject(self) -> String {
        match self {
            Holder::User(id) => format!("user:{id}"),
            Holder::Token(id) => format!("token:{id}"),
        }
    }
}

/// Which of the company's lines a permit covers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Scope {
    #[default]
    Company,
    /// Lines in these departments (subtrees already included) and these single lines.
    Only {
        departments: Vec<i64>,
        lines: Vec<i64>,
    },
}

impl Scope {
    /// Whether a department of the company is covered (as a whole).
    pub fn covers_department(&self, department: i64) -> bool {
        match self {
            Scope::Company => true,
            Scope::Only { departments, .. } => departments.contains(&department),
        }
    }

    /// Whether a line of the company (in `department`) is covered.
    pub fn covers_line(&self, line_id: i64, department: Option<i64>) -> bool {
        match self {
            Scope::Company => true,
            Scope::Only { departments, lines } => {
                lines.contains(&line_id) || department.is_some_and(|d| departments.contains(&d))
            }
        }
    }
}

/// A company, an actor and a scope that a granted check stands behind.
#[derive(Debug, Clone)]
pub struct Scoped {
    company_id: i64,
    actor: Actor,
    scope: Scope,
}

impl Scoped {
    /// Only `authz` calls this (checked by a test below).
    pub(crate) fn new(company_id: i64, actor: Actor, scope: Scope) -> Self {
        Self {
            company_id,
            actor,
            scope,
        }
    }

    pub fn company_id(&self) -> i64 {
        self.company_id
    }

    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    pub fn scope(&self) -> &Scope {
        &self.scope
    }

    /// Whether it reaches the whole company (an admin, the operator), not only delegated parts.
    pub fn is_whole_company(&self) -> bool {
        self.scope == Scope::Company
    }

    /// The same company and actor over another scope (delegated rights narrow it).
    pub(crate) fn with_scope(self, scope: Scope) -> Self {
        Self { scope, ..self }
    }

    pub fn covers_department(&self, department: i64) -> bool {
        self.scope.covers_department(department)
    }

    pub fn covers_line(&self, line_id: i64, department: Option<i64>) -> bool {
        self.scope.covers_line(line_id, department)
    }
}

/// The operator acting across companies (its CLI and demo; later its back office's usage
/// loads, bank statements and month closes): what an operator permit proves, as the few
/// cross-company store functions take it. Only `authz` makes one.
#[derive(Debug, Clone)]
pub struct Operator {
    actor: Actor,
}

impl Operator {
    /// Only `authz` calls this (checked by a test below).
    pub(crate) fn new(actor: Actor) -> Self {
        Self { actor }
    }

    pub fn actor(&self) -> &Actor {
        &self.actor
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `.rs` file under `dir`, recursively.
    fn sources(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("source folder").flatten() {
            let path = entry.path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    #[test]
    fn only_authz_makes_a_scoped_or_operator_value() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        sources(&root.join("src"), &mut files);
        let makers = [
            "Scoped::new(",
            "Scoped {",
            ".with_scope(",
            "Operator::new(",
            "Operator {",
        ];
        let mut outside = Vec::new();
        for file in files {
            let relative = file.strip_prefix(root).expect("under the root");
            if relative.starts_with("src/authz") || relative.ends_with("domain/scoped.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&file).expect("source");
            if makers.iter().any(|m| text.contains(m)) {
                outside.push(relative.display().to_string());
            }
        }
        assert!(outside.is_empty(), "made outside authz: {outside:?}");
    }

    /// The operator acts through its own tools only: its CLI and the demo it seeds. Anything
    /// else acts with a person's permit (tests aside).
    #[test]
    fn only_the_operators_tools_make_an_operator_permit() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        sources(&root.join("src"), &mut files);
        let tools = ["src/cli.rs", "src/services/demo.rs"];
        let mut outside = Vec::new();
        for file in files {
            let relative = file.strip_prefix(root).expect("under the root");
            if relative.starts_with("src/authz") || tools.iter().any(|t| relative.ends_with(t)) {
                continue;
            }
            let text = std::fs::read_to_string(&file).expect("source");
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            if code.contains("OperatorPermit::cli()") || code.contains("OperatorPermit::tool(") {
                outside.push(relative.display().to_string());
            }
        }
        assert!(outside.is_empty(), "an operator permit made in {outside:?}");
    }

    #[test]
    fn the_web_never_acts_as_the_operator() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        sources(&root.join("src/web"), &mut files);
        for file in files {
            let text = std::fs::read_to_string(&file).expect("source");
            assert!(
                !text.contains("OperatorPermit"),
                "{} makes an operator permit: a request acts with its own",
                file.display()
            );
        }
    }

    #[test]
    fn the_store_imports_neither_authz_nor_services() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        sources(&root.join("src/store"), &mut files);
        for file in files {
            let text = std::fs::read_to_string(&file).expect("source");
            for banned in ["crate::authz", "crate::services"] {
                assert!(!text.contains(banned), "{} uses {banned}", file.display());
            }
        }
    }

    #[test]
    fn a_scope_covers_its_departments_and_lines() {
        let only = Scope::Only {
            departments: vec![3, 4],
            lines: vec![10],
        };
        assert!(only.covers_department(3));
        assert!(!only.covers_department(5));
        assert!(only.covers_line(10, None));
        assert!(only.covers_line(11, Some(4)));
        assert!(!only.covers_line(11, Some(5)));
        assert!(!only.covers_line(11, None));
        assert!(Scope::Company.covers_line(11, None));
    }
}
