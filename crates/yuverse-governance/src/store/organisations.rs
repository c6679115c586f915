use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::AnyConnection;
use yuverse_core::db::col;
use yuverse_core::paging::Page;

use crate::domain::organisation::OrganisationKind;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Organisation {
    pub id: String,
    /// Stable short code (data-set organisations carry one; others may).
    pub code: Option<String>,
    pub name: String,
    pub name_en: Option<String>,
    pub kind: OrganisationKind,
    /// 统一社会信用代码 (GB 32100-2015); required for enterprises.
    pub credit_code: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

fn from_row(row: &AnyRow) -> Result<Organisation, sqlx::Error> {
    let kind: String = col(row, "kind")?;
    Ok(Organisation {
        id: col(row, "id")?,
        code: col(row, "code")?,
        name: col(row, "name")?,
        name_en: col(row, "name_en")?,
        kind: OrganisationKind::parse(&kind).ok_or_else(|| {
            sqlx::Error::Decode(format!("unknown organisation kind {kind}").into())
        })?,
        credit_code: col(row, "credit_code")?,
        created_at: col(row, "created_at")?,
        updated_at: col(row, "updated_at")?,
    })
}

const COLUMNS: &str = "id, code, name, name_en, kind, credit_code, created_at, updated_at";

pub async fn insert(conn: &mut AnyConnection, o: &Organisation) -> Result<(), sqlx::Error> {
    sqlx::query(&format!(
        "INSERT INTO organisations ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    ))
    .bind(&o.id)
    .bind(&o.code)
    .bind(&o.name)
    .bind(&o.name_en)
    .bind(o.kind.as_str())
    .bind(&o.credit_code)
    .bind(&o.created_at)
    .bind(&o.updated_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn update(conn: &mut AnyConnection, o: &Organisation) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE organisations SET name = $2, name_en = $3, credit_code = $4, updated_at = $5 \
         WHERE id = $1",
    )
    .bind(&o.id)
    .bind(&o.name)
    .bind(&o.name_en)
    .bind(&o.credit_code)
    .bind(&o.updated_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn get(conn: &mut AnyConnection, id: &str) -> Result<Option<Organisation>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM organisations WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await?
    .as_ref()
    .map(from_row)
    .transpose()
}

pub async fn get_by_code(
    conn: &mut AnyConnection,
    code: &str,
) -> Result<Option<Organisation>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM organisations WHERE code = $1"
    ))
    .bind(code)
    .fetch_optional(conn)
    .await?
    .as_ref()
    .map(from_row)
    .transpose()
}

#[derive(Debug, Default, Clone)]
pub struct OrganisationFilter {
    pub kind: Option<OrganisationKind>,
    /// Substring of the Chinese or English name, or the code.
    pub q: Option<String>,
}

pub async fn list(
    conn: &mut AnyConnection,
    filter: &OrganisationFilter,
    page: Page,
) -> Result<(Vec<Organisation>, i64), sqlx::Error> {
    let kind = filter.kind.map(|k| k.as_str().to_owned());
    let pattern = filter.q.as_ref().map(|q| format!("%{}%", q.to_lowercase()));
    let condition = "($1 IS NULL OR kind = $1) AND ($2 IS NULL OR LOWER(name) LIKE $2 \
                     OR LOWER(COALESCE(name_en, '')) LIKE $2 OR LOWER(COALESCE(code, '')) LIKE $2)";
    let total: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM organisations WHERE {condition}"
    ))
    .bind(&kind)
    .bind(&pattern)
    .fetch_one(&mut *conn)
    .await?;
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM organisations WHERE {condition} \
         ORDER BY created_at, id LIMIT $3 OFFSET $4"
    ))
    .bind(&kind)
    .bind(&pattern)
    .bind(page.limit)
    .bind(page.offset)
    .fetch_all(conn)
    .await?;
    let items = rows.iter().map(from_row).collect::<Result<_, _>>()?;
    Ok((items, total))
}
