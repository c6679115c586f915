//! Organisation kinds and their rules.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrganisationKind {
    /// 政府部门: bureaus, committees, street offices.
    GovernmentUnit,
    /// 国有园区/平台公司: state-owned park and platform companies.
    ParkCompany,
    /// 企业: a registered company; carries its unified social credit code.
    Enterprise,
    /// 事业单位/机构: public institutions, universities, research institutes.
    Institution,
    /// 金融机构: banks, funds, guarantee companies.
    FinancialInstitution,
}

impl OrganisationKind {
    pub const ALL: [OrganisationKind; 5] = [
        OrganisationKind::GovernmentUnit,
        OrganisationKind::ParkCompany,
        OrganisationKind::Enterprise,
        OrganisationKind::Institution,
        OrganisationKind::FinancialInstitution,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrganisationKind::GovernmentUnit => "government_unit",
            OrganisationKind::ParkCompany => "park_company",
            OrganisationKind::Enterprise => "enterprise",
            OrganisationKind::Institution => "institution",
            OrganisationKind::FinancialInstitution => "financial_institution",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Only enterprises must carry a credit code; others may.
    pub fn requires_credit_code(self) -> bool {
        self == OrganisationKind::Enterprise
    }
}
