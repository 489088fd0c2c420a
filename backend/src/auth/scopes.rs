use std::fmt;

/// The permissions an employer API client can hold (SPEC §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    EmployeesRead,
    EmployeesWrite,
    AbsencesRead,
    AbsencesWrite,
    DocumentsRead,
    DocumentsWrite,
    WebhooksManage,
    PoortwachterWrite,
}

impl Scope {
    pub const ALL: [Scope; 8] = [
        Scope::EmployeesRead,
        Scope::EmployeesWrite,
        Scope::AbsencesRead,
        Scope::AbsencesWrite,
        Scope::DocumentsRead,
        Scope::DocumentsWrite,
        Scope::WebhooksManage,
        Scope::PoortwachterWrite,
    ];

    /// What an arbodienst's client may hold at most (SPEC §9): reading the case and publishing
    /// to the dossier, never changing employees or an employer's webhooks.
    pub const ARBODIENST: [Scope; 5] = [
        Scope::EmployeesRead,
        Scope::AbsencesRead,
        Scope::DocumentsRead,
        Scope::DocumentsWrite,
        Scope::PoortwachterWrite,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::EmployeesRead => "employees:read",
            Scope::EmployeesWrite => "employees:write",
            Scope::AbsencesRead => "absences:read",
            Scope::AbsencesWrite => "absences:write",
            Scope::DocumentsRead => "documents:read",
            Scope::DocumentsWrite => "documents:write",
            Scope::WebhooksManage => "webhooks:manage",
            Scope::PoortwachterWrite => "poortwachter:write",
        }
    }

    pub fn parse(text: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// A set of scopes, written space-separated as in OAuth 2.0.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeSet(Vec<Scope>);

impl ScopeSet {
    pub fn all() -> Self {
        ScopeSet(Scope::ALL.to_vec())
    }

    pub fn arbodienst() -> Self {
        ScopeSet(Scope::ARBODIENST.to_vec())
    }

    /// Fails with the first unknown scope name.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut scopes = text
            .split_whitespace()
            .map(|name| Scope::parse(name).ok_or_else(|| name.to_string()))
            .collect::<Result<Vec<_>, _>>()?;
        scopes.sort();
        scopes.dedup();
        Ok(ScopeSet(scopes))
    }

    pub fn contains(&self, scope: Scope) -> bool {
        self.0.contains(&scope)
    }

    pub fn is_subset_of(&self, other: &ScopeSet) -> bool {
        self.0.iter().all(|s| other.contains(*s))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for ScopeSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.0.iter().map(|s| s.as_str()).collect();
        f.write_str(&names.join(" "))
    }
}

/// A scope a handler demands, as a type, so the requirement is visible in its signature:
/// `client: EmployerClient<EmployeesWrite>`.
pub trait RequiredScope {
    const SCOPE: Option<Scope>;
}

macro_rules! required_scopes {
    ($($name:ident => $scope:expr),* $(,)?) => {$(
        pub struct $name;
        impl RequiredScope for $name {
            const SCOPE: Option<Scope> = $scope;
        }
    )*};
}

required_scopes! {
    AnyScope => None,
    EmployeesRead => Some(Scope::EmployeesRead),
    EmployeesWrite => Some(Scope::EmployeesWrite),
    AbsencesRead => Some(Scope::AbsencesRead),
    AbsencesWrite => Some(Scope::AbsencesWrite),
    DocumentsRead => Some(Scope::DocumentsRead),
    DocumentsWrite => Some(Scope::DocumentsWrite),
    WebhooksManage => Some(Scope::WebhooksManage),
    PoortwachterWrite => Some(Scope::PoortwachterWrite),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sorts_and_rejects_unknown() {
        let set = ScopeSet::parse("employees:write  absences:read employees:write").unwrap();
        assert_eq!(set.to_string(), "employees:write absences:read");
        assert_eq!(
            ScopeSet::parse("employees:read admin").unwrap_err(),
            "admin"
        );
    }

    #[test]
    fn subset() {
        let all = ScopeSet::all();
        let some = ScopeSet::parse("documents:write").unwrap();
        assert!(some.is_subset_of(&all));
        assert!(!all.is_subset_of(&some));
    }
}
