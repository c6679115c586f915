//! Who is acting and what they may do.
//!
//! Authorisation is decided in services: every use case takes an [`Actor`] and calls
//! [`Actor::require`] before it touches anything, so a route cannot forget it. The table of
//! which role holds which permission lives here, in one place, so that the UI (through
//! `GET /api/v1/me`) and the services read the same truth.

use serde::{Deserialize, Serialize};

use crate::error::Error;

/// The roles of the platform: the plan's users plus the three separated administrators that
/// MLPS level 3 asks for (system, security, audit), so no single account can both act and
/// erase the trace of acting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Office,
    Unit,
    Enterprise,
    Regulator,
    Citizen,
    SystemAdmin,
    SecurityAdmin,
    Auditor,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::Office,
        Role::Unit,
        Role::Enterprise,
        Role::Regulator,
        Role::Citizen,
        Role::SystemAdmin,
        Role::SecurityAdmin,
        Role::Auditor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Office => "office",
            Role::Unit => "unit",
            Role::Enterprise => "enterprise",
            Role::Regulator => "regulator",
            Role::Citizen => "citizen",
            Role::SystemAdmin => "system_admin",
            Role::SecurityAdmin => "security_admin",
            Role::Auditor => "auditor",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Role::Office => "工作组办公室",
            Role::Unit => "责任单位",
            Role::Enterprise => "企业",
            Role::Regulator => "监管部门",
            Role::Citizen => "公众（实名）",
            Role::SystemAdmin => "系统管理员",
            Role::SecurityAdmin => "安全管理员",
            Role::Auditor => "安全审计员",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            Role::Office => "Working-group office",
            Role::Unit => "Responsible unit",
            Role::Enterprise => "Enterprise",
            Role::Regulator => "Regulator",
            Role::Citizen => "Citizen (real-name)",
            Role::SystemAdmin => "System administrator",
            Role::SecurityAdmin => "Security administrator",
            Role::Auditor => "Security auditor",
        }
    }

    /// Whether a user of this role must belong to an organisation.
    pub fn needs_organisation(self) -> bool {
        matches!(
            self,
            Role::Office | Role::Unit | Role::Enterprise | Role::Regulator
        )
    }

    pub fn permissions(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            Role::Office => &[
                OrganisationsRead,
                OrganisationsWrite,
                UsersRead,
                PlacesRead,
                DevicesManageAll,
                PlanRead,
                PlanManage,
            ],
            Role::Unit => &[
                OrganisationsRead,
                ApiKeysManageOwn,
                PlacesRead,
                DevicesManageOwn,
                PlanRead,
                PlanReport,
            ],
            Role::Enterprise => &[
                OrganisationsRead,
                ApiKeysManageOwn,
                PlacesRead,
                DevicesManageOwn,
            ],
            Role::Regulator => &[OrganisationsRead, UsersRead, PlacesRead, PlanRead],
            Role::Citizen => &[PlacesRead, ProfileRealName],
            Role::SystemAdmin => &[
                UsersRead,
                UsersWrite,
                OrganisationsRead,
                OrganisationsWrite,
                PlacesRead,
                DevicesManageAll,
            ],
            Role::SecurityAdmin => &[
                UsersRead,
                UsersUnlock,
                OrganisationsRead,
                ApiKeysManageAll,
                PlacesRead,
            ],
            Role::Auditor => &[AuditRead],
        }
    }
}

/// What an actor may do. Contexts add theirs here as they arrive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub enum Permission {
    #[serde(rename = "users:read")]
    UsersRead,
    #[serde(rename = "users:write")]
    UsersWrite,
    #[serde(rename = "users:unlock")]
    UsersUnlock,
    #[serde(rename = "organisations:read")]
    OrganisationsRead,
    #[serde(rename = "organisations:write")]
    OrganisationsWrite,
    #[serde(rename = "api_keys:manage_all")]
    ApiKeysManageAll,
    #[serde(rename = "api_keys:manage_own")]
    ApiKeysManageOwn,
    #[serde(rename = "audit:read")]
    AuditRead,
    #[serde(rename = "places:read")]
    PlacesRead,
    #[serde(rename = "profile:real_name")]
    ProfileRealName,
    /// API-key permissions for devices and integrations (the twin).
    #[serde(rename = "twin:read")]
    TwinRead,
    #[serde(rename = "twin:write")]
    TwinWrite,
    #[serde(rename = "mqtt:publish")]
    MqttPublish,
    /// Provisioning twin devices (MQTT) of any organisation.
    #[serde(rename = "devices:manage_all")]
    DevicesManageAll,
    /// Provisioning twin devices of one's own organisation.
    #[serde(rename = "devices:manage_own")]
    DevicesManageOwn,
    /// Reading the action plan, its supervision state, indicators and dashboards.
    #[serde(rename = "plan:read")]
    PlanRead,
    /// Changing the plan, breaking it down, supervising (交办, 办结) and reviewing reports.
    #[serde(rename = "plan:manage")]
    PlanManage,
    /// Acknowledging, working on and reporting progress on one's own organisation's items.
    #[serde(rename = "plan:report")]
    PlanReport,
}

impl Permission {
    /// Permissions an API key may carry (a key never administers the platform).
    pub const FOR_API_KEYS: [Permission; 3] = [
        Permission::TwinRead,
        Permission::TwinWrite,
        Permission::MqttPublish,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Permission::UsersRead => "users:read",
            Permission::UsersWrite => "users:write",
            Permission::UsersUnlock => "users:unlock",
            Permission::OrganisationsRead => "organisations:read",
            Permission::OrganisationsWrite => "organisations:write",
            Permission::ApiKeysManageAll => "api_keys:manage_all",
            Permission::ApiKeysManageOwn => "api_keys:manage_own",
            Permission::AuditRead => "audit:read",
            Permission::PlacesRead => "places:read",
            Permission::ProfileRealName => "profile:real_name",
            Permission::TwinRead => "twin:read",
            Permission::TwinWrite => "twin:write",
            Permission::MqttPublish => "mqtt:publish",
            Permission::DevicesManageAll => "devices:manage_all",
            Permission::DevicesManageOwn => "devices:manage_own",
            Permission::PlanRead => "plan:read",
            Permission::PlanManage => "plan:manage",
            Permission::PlanReport => "plan:report",
        }
    }

    pub fn parse_api_key_permission(s: &str) -> Option<Permission> {
        Self::FOR_API_KEYS.into_iter().find(|p| p.as_str() == s)
    }
}

/// Whether the actor is a signed-in person or a device/integration holding an API key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    User {
        user_id: String,
        username: String,
        role: Role,
    },
    ApiKey {
        key_id: String,
        permissions: Vec<Permission>,
    },
    /// The platform itself (start-up loading, the simulator): never reachable from HTTP.
    System,
}

/// Who is acting, from where, for which organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub principal: Principal,
    pub organisation_id: Option<String>,
    pub ip: Option<String>,
}

impl Actor {
    pub fn system() -> Actor {
        Actor {
            principal: Principal::System,
            organisation_id: None,
            ip: None,
        }
    }

    pub fn has(&self, permission: Permission) -> bool {
        match &self.principal {
            Principal::User { role, .. } => role.permissions().contains(&permission),
            Principal::ApiKey { permissions, .. } => permissions.contains(&permission),
            Principal::System => true,
        }
    }

    /// The one authorisation gate: every service method calls it first.
    pub fn require(&self, permission: Permission) -> Result<(), Error> {
        if self.has(permission) {
            Ok(())
        } else {
            Err(Error::Forbidden(format!(
                "this action needs the permission `{}`",
                permission.as_str()
            )))
        }
    }

    pub fn user_id(&self) -> Option<&str> {
        match &self.principal {
            Principal::User { user_id, .. } => Some(user_id),
            _ => None,
        }
    }

    pub fn role(&self) -> Option<Role> {
        match &self.principal {
            Principal::User { role, .. } => Some(*role),
            _ => None,
        }
    }

    /// A readable name for the audit log: the username, `apikey:<id>` or `system`.
    pub fn audit_name(&self) -> String {
        match &self.principal {
            Principal::User { username, .. } => username.clone(),
            Principal::ApiKey { key_id, .. } => format!("apikey:{key_id}"),
            Principal::System => "system".to_owned(),
        }
    }

    pub fn audit_role(&self) -> String {
        match &self.principal {
            Principal::User { role, .. } => role.as_str().to_owned(),
            Principal::ApiKey { .. } => "api_key".to_owned(),
            Principal::System => "system".to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
            let json = serde_json::to_string(&role).unwrap();
            assert_eq!(json, format!("\"{}\"", role.as_str()));
        }
    }

    #[test]
    fn the_three_administrators_are_separated() {
        let sys = Role::SystemAdmin.permissions();
        let sec = Role::SecurityAdmin.permissions();
        let aud = Role::Auditor.permissions();
        assert!(!sys.contains(&Permission::AuditRead) && !sec.contains(&Permission::AuditRead));
        assert!(!aud.contains(&Permission::UsersWrite) && !sec.contains(&Permission::UsersWrite));
        assert!(!sys.contains(&Permission::ApiKeysManageAll));
        assert_eq!(aud, &[Permission::AuditRead]);
    }

    #[test]
    fn permission_names_match_serde() {
        for p in [
            Permission::UsersRead,
            Permission::TwinWrite,
            Permission::AuditRead,
            Permission::DevicesManageAll,
            Permission::DevicesManageOwn,
        ] {
            assert_eq!(
                serde_json::to_string(&p).unwrap(),
                format!("\"{}\"", p.as_str())
            );
        }
    }
}
