//! Break-down (tasks → work items → milestones) and the item workflow (交办 → 签收 → 办理 → 办结).

use serde::Serialize;
use yuverse_core::paging::{Page, Paged};
use yuverse_core::time::{self, Timestamp};
use yuverse_core::{ids, Actor, Error, FieldError, Permission};

use super::{audit, audit_event, notify, parse_stored, require_any, Plan, To};
use crate::domain::input::{ItemPatch, MilestonePatch, NewItem, NewMilestone, Transition};
use crate::domain::supervision::{light, planned_progress, round2};
use crate::domain::{ItemState, Light};
use crate::store::items;
use crate::store::items::{Item, ItemFilter, Milestone};

/// A work item with its supervision status at the clock's "now".
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ItemView {
    #[serde(flatten)]
    pub item: Item,
    pub light: Light,
    /// Where the item should be by now (linear from start to deadline), in percent.
    pub planned_progress: f64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ItemDetail {
    #[serde(flatten)]
    pub view: ItemView,
    pub milestones: Vec<Milestone>,
}

pub(super) fn view(item: Item, now: Timestamp) -> Result<ItemView, Error> {
    let start = parse_stored(&item.start_at)?;
    let deadline = parse_stored(&item.deadline)?;
    Ok(ItemView {
        light: light(item.state, item.progress, start, deadline, now),
        planned_progress: round2(planned_progress(start, deadline, now)),
        item,
    })
}

impl Plan {
    /// 交办: the office breaks a task down into a work item for one of its units.
    pub async fn create_item(
        &self,
        actor: &Actor,
        task_id: &str,
        new: NewItem,
    ) -> Result<ItemView, Error> {
        let target = format!("plan_task:{task_id}");
        self.authorize(
            actor,
            actor.require(Permission::PlanManage),
            "plan.item.create",
            &target,
        )
        .await?;
        let now = self.now();
        let times = new.check(now).map_err(Error::Validation)?;
        let task = self.task(actor, task_id).await?;
        let mut fields = vec![("owner_unit".to_owned(), new.owner_unit.as_str())];
        for (i, u) in new.co_units.iter().enumerate() {
            fields.push((format!("co_units[{i}]"), u.as_str()));
        }
        self.check_organisations(&fields).await?;
        let mut errors = Vec::new();
        if !task.units.contains(&new.owner_unit) {
            errors.push(FieldError::new(
                "owner_unit",
                "must be one of the task's responsible units",
            ));
        }
        if let Some(code) = new
            .place_code
            .as_deref()
            .filter(|c| self.place(c).is_none())
        {
            errors.push(FieldError::new(
                "place_code",
                format!("no place with code `{code}`"),
            ));
        }
        if !errors.is_empty() {
            return Err(Error::Validation(errors));
        }
        let stamp = time::to_db(now);
        let item = Item {
            id: ids::new_id(),
            task_id: task.id.clone(),
            title: new.title.trim().to_owned(),
            description: new.description,
            owner_unit: new.owner_unit,
            co_units: new.co_units,
            place_code: new.place_code,
            weight: new.weight,
            start_at: time::to_db(times.start),
            deadline: time::to_db(times.deadline),
            state: ItemState::Assigned,
            progress: 0,
            done_at: None,
            created_at: stamp.clone(),
            created_by: actor.audit_name(),
            updated_at: stamp,
        };
        let subject = format!("plan_item:{}", item.id);
        let mut tx = self.db().write().await?;
        items::insert(tx.conn(), &item).await?;
        for unit in std::iter::once(&item.owner_unit).chain(&item.co_units) {
            let role = if *unit == item.owner_unit {
                "牵头办理"
            } else {
                "配合办理"
            };
            notify(
                tx.conn(),
                To::Organisation(unit),
                "assignment",
                format!("交办：{}", item.title),
                format!(
                    "{} {}（{}），截止 {}",
                    task.code, task.title, role, item.deadline
                ),
                subject.clone(),
                now,
            )
            .await?;
        }
        audit(
            tx.conn(),
            actor,
            audit_event(
                "plan.item.create",
                &subject,
                format!("{}: {}", task.code, item.title),
            ),
        )
        .await?;
        tx.commit().await?;
        view(item, now)
    }

    pub async fn update_item(
        &self,
        actor: &Actor,
        id: &str,
        patch: ItemPatch,
    ) -> Result<ItemView, Error> {
        let target = format!("plan_item:{id}");
        self.authorize(
            actor,
            actor.require(Permission::PlanManage),
            "plan.item.update",
            &target,
        )
        .await?;
        let deadline = patch.check().map_err(Error::Validation)?;
        let mut item = self.item(actor, id).await?.view.item;
        let task = self.task(actor, &item.task_id).await?;
        let mut fields = Vec::new();
        if let Some(o) = &patch.owner_unit {
            fields.push(("owner_unit".to_owned(), o.as_str()));
        }
        for (i, u) in patch.co_units.iter().flatten().enumerate() {
            fields.push((format!("co_units[{i}]"), u.as_str()));
        }
        self.check_organisations(&fields).await?;
        let mut errors = Vec::new();
        if let Some(owner) = patch
            .owner_unit
            .as_ref()
            .filter(|o| !task.units.contains(o))
        {
            errors.push(FieldError::new(
                "owner_unit",
                format!("`{owner}` is not one of the task's responsible units"),
            ));
        }
        if let Some(code) = patch
            .place_code
            .as_deref()
            .filter(|c| self.place(c).is_none())
        {
            errors.push(FieldError::new(
                "place_code",
                format!("no place with code `{code}`"),
            ));
        }
        if let Some(d) = deadline.filter(|d| time::to_db(*d) <= item.start_at) {
            errors.push(FieldError::new(
                "deadline",
                format!("must be after the start {}", time::to_db(d)),
            ));
        }
        if !errors.is_empty() {
            return Err(Error::Validation(errors));
        }
        item.title = patch
            .title
            .map(|t| t.trim().to_owned())
            .unwrap_or(item.title);
        item.description = patch.description.unwrap_or(item.description);
        item.owner_unit = patch.owner_unit.unwrap_or(item.owner_unit);
        item.co_units = patch.co_units.unwrap_or(item.co_units);
        if item.co_units.contains(&item.owner_unit) {
            return Err(Error::validation(
                "co_units",
                "must not include the owner unit",
            ));
        }
        item.place_code = patch.place_code.or(item.place_code);
        item.weight = patch.weight.unwrap_or(item.weight);
        item.deadline = deadline.map(time::to_db).unwrap_or(item.deadline);
        let now = self.now();
        item.updated_at = time::to_db(now);
        let mut tx = self.db().write().await?;
        items::update(tx.conn(), &item).await?;
        audit(
            tx.conn(),
            actor,
            audit_event("plan.item.update", &target, item.title.clone()),
        )
        .await?;
        tx.commit().await?;
        view(item, now)
    }

    pub async fn item(&self, actor: &Actor, id: &str) -> Result<ItemDetail, Error> {
        actor.require(Permission::PlanRead)?;
        let mut conn = self.db().pool.acquire().await?;
        let item = items::get(&mut conn, id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("no work item `{id}`")))?;
        let milestones = items::milestones(&mut conn, id).await?;
        Ok(ItemDetail {
            view: view(item, self.now())?,
            milestones,
        })
    }

    pub async fn list_items(
        &self,
        actor: &Actor,
        filter: ItemFilter,
        page: Page,
    ) -> Result<Paged<ItemView>, Error> {
        actor.require(Permission::PlanRead)?;
        let mut conn = self.db().pool.acquire().await?;
        let (rows, total) = items::list(&mut conn, &filter, page).await?;
        let now = self.now();
        let views = rows
            .into_iter()
            .map(|i| view(i, now))
            .collect::<Result<_, _>>()?;
        Ok(Paged::new(views, total, page))
    }

    /// One step of the workflow: the owner unit acknowledges (签收) and starts (办理); the
    /// office confirms done (办结).
    pub async fn transition(
        &self,
        actor: &Actor,
        id: &str,
        transition: Transition,
    ) -> Result<ItemView, Error> {
        let target = format!("plan_item:{id}");
        let mut item = self.item(actor, id).await?.view.item;
        let to = transition.to;
        let allowed = if to.office_only() {
            actor.require(Permission::PlanManage)
        } else if actor.has(Permission::PlanManage) {
            Ok(())
        } else {
            self.own_item(actor, &item)
        };
        self.authorize(actor, allowed, "plan.item.transition", &target)
            .await?;
        if !item.state.can_move_to(to) {
            return Err(Error::Conflict(format!(
                "a work item in state `{}` cannot move to `{}`",
                item.state.as_str(),
                to.as_str()
            )));
        }
        let now = self.now();
        let from = item.state;
        item.state = to;
        item.updated_at = time::to_db(now);
        if to == ItemState::Done {
            item.progress = 100;
            item.done_at = Some(time::to_db(now));
        }
        let mut tx = self.db().write().await?;
        items::update(tx.conn(), &item).await?;
        audit(
            tx.conn(),
            actor,
            audit_event(
                "plan.item.transition",
                &target,
                format!("{} → {}", from.as_str(), to.as_str()),
            ),
        )
        .await?;
        tx.commit().await?;
        view(item, now)
    }

    /// The item is the acting unit's own (it owns it and may report).
    pub(super) fn own_item(&self, actor: &Actor, item: &Item) -> Result<(), Error> {
        require_any(actor, &[Permission::PlanReport])?;
        if actor.organisation_id.as_deref() == Some(item.owner_unit.as_str()) {
            Ok(())
        } else {
            Err(Error::Forbidden(
                "this work item belongs to another unit".into(),
            ))
        }
    }

    pub async fn create_milestone(
        &self,
        actor: &Actor,
        item_id: &str,
        new: NewMilestone,
    ) -> Result<Milestone, Error> {
        let target = format!("plan_item:{item_id}");
        self.authorize(
            actor,
            actor.require(Permission::PlanManage),
            "plan.milestone.create",
            &target,
        )
        .await?;
        let due = new.check().map_err(Error::Validation)?;
        self.item(actor, item_id).await?;
        let milestone = Milestone {
            id: ids::new_id(),
            item_id: item_id.to_owned(),
            title: new.title.trim().to_owned(),
            due_at: time::to_db(due),
            done_at: None,
            created_at: time::to_db(self.now()),
        };
        let mut tx = self.db().write().await?;
        items::insert_milestone(tx.conn(), &milestone).await?;
        audit(
            tx.conn(),
            actor,
            audit_event("plan.milestone.create", &target, milestone.title.clone()),
        )
        .await?;
        tx.commit().await?;
        Ok(milestone)
    }

    async fn milestone(&self, item_id: &str, id: &str) -> Result<(Item, Milestone), Error> {
        let mut conn = self.db().pool.acquire().await?;
        let item = items::get(&mut conn, item_id).await?;
        let milestone = items::milestones(&mut conn, item_id)
            .await?
            .into_iter()
            .find(|m| m.id == id);
        match (item, milestone) {
            (Some(i), Some(m)) => Ok((i, m)),
            _ => Err(Error::NotFound(format!(
                "no milestone `{id}` of work item `{item_id}`"
            ))),
        }
    }

    /// The office changes a milestone; the owner unit may mark it reached.
    pub async fn update_milestone(
        &self,
        actor: &Actor,
        item_id: &str,
        id: &str,
        patch: MilestonePatch,
    ) -> Result<Milestone, Error> {
        let target = format!("plan_milestone:{id}");
        actor.require(Permission::PlanRead)?;
        let (item, mut milestone) = self.milestone(item_id, id).await?;
        let only_done = patch.title.is_none() && patch.due_at.is_none();
        let allowed = if actor.has(Permission::PlanManage) {
            Ok(())
        } else if only_done {
            self.own_item(actor, &item)
        } else {
            actor.require(Permission::PlanManage)
        };
        self.authorize(actor, allowed, "plan.milestone.update", &target)
            .await?;
        let due = patch.check().map_err(Error::Validation)?;
        milestone.title = patch
            .title
            .map(|t| t.trim().to_owned())
            .unwrap_or(milestone.title);
        milestone.due_at = due.map(time::to_db).unwrap_or(milestone.due_at);
        match patch.done {
            Some(true) if milestone.done_at.is_none() => {
                milestone.done_at = Some(time::to_db(self.now()))
            }
            Some(false) => milestone.done_at = None,
            _ => {}
        }
        let mut tx = self.db().write().await?;
        items::update_milestone(tx.conn(), &milestone).await?;
        audit(
            tx.conn(),
            actor,
            audit_event("plan.milestone.update", &target, milestone.title.clone()),
        )
        .await?;
        tx.commit().await?;
        Ok(milestone)
    }

    pub async fn delete_milestone(
        &self,
        actor: &Actor,
        item_id: &str,
        id: &str,
    ) -> Result<(), Error> {
        let target = format!("plan_milestone:{id}");
        self.authorize(
            actor,
            actor.require(Permission::PlanManage),
            "plan.milestone.delete",
            &target,
        )
        .await?;
        let (_, milestone) = self.milestone(item_id, id).await?;
        let mut tx = self.db().write().await?;
        items::delete_milestone(tx.conn(), id).await?;
        audit(
            tx.conn(),
            actor,
            audit_event("plan.milestone.delete", &target, milestone.title),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
