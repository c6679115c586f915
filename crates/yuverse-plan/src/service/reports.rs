//! Progress reports: the owner unit reports on its item; the office accepts or returns with a
//! reason; a returned report is resubmitted as a new report that names it. Nothing is
//! overwritten, so the history of an item is all its reports.

use yuverse_core::paging::{Page, Paged};
use yuverse_core::{ids, time, Actor, Error, Permission};

use super::{audit, audit_event, notify, Plan, To};
use crate::domain::input::{Decision, NewReport, Review};
use crate::domain::ItemState;
use crate::store::items::{self, Item};
use crate::store::reports::{self, Report, ReportFilter, ReportState};

impl Plan {
    pub async fn submit_report(
        &self,
        actor: &Actor,
        item_id: &str,
        new: NewReport,
    ) -> Result<Report, Error> {
        let item = self.item(actor, item_id).await?.view.item;
        self.file_report(actor, &item, new, None).await
    }

    /// Resubmits a returned report (once; the new report names the returned one).
    pub async fn resubmit_report(
        &self,
        actor: &Actor,
        report_id: &str,
        new: NewReport,
    ) -> Result<Report, Error> {
        let returned = self.report(actor, report_id).await?;
        let item = self.item(actor, &returned.item_id).await?.view.item;
        if returned.state != ReportState::Returned {
            return Err(Error::Conflict(
                "only a returned report can be resubmitted".into(),
            ));
        }
        self.file_report(actor, &item, new, Some(returned)).await
    }

    async fn file_report(
        &self,
        actor: &Actor,
        item: &Item,
        new: NewReport,
        returned: Option<Report>,
    ) -> Result<Report, Error> {
        let target = format!("plan_item:{}", item.id);
        self.authorize(
            actor,
            self.own_item(actor, item),
            "plan.report.submit",
            &target,
        )
        .await?;
        new.check().map_err(Error::Validation)?;
        if item.state == ItemState::Done {
            return Err(Error::Conflict(
                "the work item is done (办结); it takes no more reports".into(),
            ));
        }
        let now = self.now();
        let report = Report {
            id: ids::new_id(),
            item_id: item.id.clone(),
            organisation_id: item.owner_unit.clone(),
            period: new.period,
            percentage: new.percentage,
            narrative: new.narrative,
            blockers: new.blockers,
            evidence: new.evidence,
            state: ReportState::Submitted,
            supersedes: returned.as_ref().map(|r| r.id.clone()),
            submitted_by: actor.audit_name(),
            submitted_at: time::to_db(now),
            reviewed_by: None,
            reviewed_at: None,
            return_reason: None,
        };
        let mut tx = self.db().write().await?;
        if let Some(r) = &returned {
            if reports::superseded(tx.conn(), &r.id).await? {
                return Err(Error::Conflict(
                    "this report has been resubmitted already".into(),
                ));
            }
        }
        reports::insert(tx.conn(), &report).await?;
        notify(
            tx.conn(),
            To::Office,
            "report_submitted",
            format!("进展报告待审核：{}", item.title),
            format!(
                "{} 报告 {}%（{}）",
                report.period, report.percentage, item.title
            ),
            format!("plan_report:{}", report.id),
            now,
        )
        .await?;
        let detail = match &returned {
            Some(r) => format!(
                "{} {}% (resubmits {})",
                report.period, report.percentage, r.id
            ),
            None => format!("{} {}%", report.period, report.percentage),
        };
        audit(
            tx.conn(),
            actor,
            audit_event(
                "plan.report.submit",
                &format!("plan_report:{}", report.id),
                detail,
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(report)
    }

    /// The office accepts (the item's progress becomes the report's) or returns with a reason.
    pub async fn review_report(
        &self,
        actor: &Actor,
        report_id: &str,
        review: Review,
    ) -> Result<Report, Error> {
        let target = format!("plan_report:{report_id}");
        self.authorize(
            actor,
            actor.require(Permission::PlanManage),
            "plan.report.review",
            &target,
        )
        .await?;
        review.check().map_err(Error::Validation)?;
        let now = self.now();
        let mut tx = self.db().write().await?;
        let mut report = reports::get(tx.conn(), report_id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("no report `{report_id}`")))?;
        if report.state != ReportState::Submitted {
            return Err(Error::Conflict(format!(
                "the report is already {}",
                report.state.as_str()
            )));
        }
        let mut item = items::get(tx.conn(), &report.item_id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("no work item `{}`", report.item_id)))?;
        report.reviewed_by = Some(actor.audit_name());
        report.reviewed_at = Some(time::to_db(now));
        let (kind, title) = match review.decision {
            Decision::Accept => {
                report.state = ReportState::Accepted;
                if item.state != ItemState::Done {
                    item.progress = report.percentage;
                    if matches!(item.state, ItemState::Assigned | ItemState::Acknowledged) {
                        item.state = ItemState::InProgress;
                    }
                    item.updated_at = time::to_db(now);
                    items::update(tx.conn(), &item).await?;
                }
                ("report_accepted", format!("进展报告已通过：{}", item.title))
            }
            Decision::Return => {
                report.state = ReportState::Returned;
                report.return_reason = review.reason.clone();
                ("report_returned", format!("进展报告被退回：{}", item.title))
            }
        };
        reports::review(tx.conn(), &report).await?;
        notify(
            tx.conn(),
            To::Organisation(&report.organisation_id),
            kind,
            title,
            review
                .reason
                .clone()
                .unwrap_or_else(|| format!("{} {}%", report.period, report.percentage)),
            target.clone(),
            now,
        )
        .await?;
        let detail = match &review.reason {
            Some(reason) => format!("{}: {reason}", report.state.as_str()),
            None => report.state.as_str().to_owned(),
        };
        audit(
            tx.conn(),
            actor,
            audit_event("plan.report.review", &target, detail),
        )
        .await?;
        tx.commit().await?;
        Ok(report)
    }

    pub async fn report(&self, actor: &Actor, id: &str) -> Result<Report, Error> {
        actor.require(Permission::PlanRead)?;
        let mut conn = self.db().pool.acquire().await?;
        reports::get(&mut conn, id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("no report `{id}`")))
    }

    pub async fn list_reports(
        &self,
        actor: &Actor,
        filter: ReportFilter,
        page: Page,
    ) -> Result<Paged<Report>, Error> {
        actor.require(Permission::PlanRead)?;
        let mut conn = self.db().pool.acquire().await?;
        let (rows, total) = reports::list(&mut conn, &filter, page).await?;
        Ok(Paged::new(rows, total, page))
    }
}
