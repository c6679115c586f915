//! Rendering the supervision report (督办通报): an XLSX workbook for the office's files and a
//! self-contained printable HTML page (no scripts, no external assets; print CSS).

use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use crate::domain::{ItemState, Light};
use crate::service::SupervisionReport;
use crate::store::reports::ReportState;

fn light_zh(light: Light) -> &'static str {
    match light {
        Light::Green => "正常",
        Light::Yellow => "预警",
        Light::Red => "逾期",
    }
}

fn state_zh(state: ItemState) -> &'static str {
    match state {
        ItemState::Assigned => "已交办",
        ItemState::Acknowledged => "已签收",
        ItemState::InProgress => "办理中",
        ItemState::Done => "已办结",
    }
}

fn report_state_zh(state: ReportState) -> &'static str {
    match state {
        ReportState::Submitted => "待审核",
        ReportState::Accepted => "已通过",
        ReportState::Returned => "已退回",
    }
}

fn rate(r: Option<f64>) -> String {
    r.map(|r| format!("{r}%")).unwrap_or_else(|| "—".into())
}

/// One sheet: a bold header row, then the rows, with columns wide enough for Chinese text.
fn sheet(
    workbook: &mut Workbook,
    name: &str,
    header: &[&str],
    rows: Vec<Vec<String>>,
) -> Result<(), XlsxError> {
    let bold = Format::new().set_bold();
    let ws: &mut Worksheet = workbook.add_worksheet().set_name(name)?;
    for (c, h) in header.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)?;
        ws.set_column_width(c as u16, 18)?;
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            match cell.parse::<f64>() {
                Ok(n) if n.is_finite() => ws.write_number((r + 1) as u32, c as u16, n)?,
                _ => ws.write_string((r + 1) as u32, c as u16, cell)?,
            };
        }
    }
    Ok(())
}

/// The four tables of the report, shared by both renderings: (sheet name, header, rows).
type Table = (&'static str, Vec<&'static str>, Vec<Vec<String>>);

fn tables(r: &SupervisionReport) -> Vec<Table> {
    let tasks = r
        .tasks
        .iter()
        .map(|t| {
            vec![
                t.code.clone(),
                t.title.clone(),
                t.lead_unit_name.clone(),
                t.items.to_string(),
                t.progress.to_string(),
                t.lights.red.to_string(),
                t.lights.yellow.to_string(),
            ]
        })
        .collect();
    let items = r
        .items
        .iter()
        .map(|i| {
            vec![
                i.task_code.clone(),
                i.title.clone(),
                i.owner_unit_name.clone(),
                i.deadline.chars().take(10).collect(),
                state_zh(i.state).to_owned(),
                i.progress.to_string(),
                light_zh(i.light).to_owned(),
            ]
        })
        .collect();
    let units = r
        .units
        .iter()
        .filter(|u| u.items > 0 || u.reports_submitted > 0)
        .map(|u| {
            vec![
                u.name.clone(),
                u.items.to_string(),
                u.done.to_string(),
                u.overdue.to_string(),
                rate(u.on_time_rate),
                u.reports_submitted.to_string(),
                u.reports_returned.to_string(),
            ]
        })
        .collect();
    let reports = r
        .reports
        .iter()
        .map(|p| {
            vec![
                p.unit_name.clone(),
                p.item_title.clone(),
                p.percentage.to_string(),
                report_state_zh(p.state).to_owned(),
                p.narrative.clone(),
                p.blockers.clone(),
                p.return_reason.clone().unwrap_or_default(),
            ]
        })
        .collect();
    vec![
        (
            "任务",
            vec![
                "编号",
                "任务",
                "牵头单位",
                "事项数",
                "进度(%)",
                "逾期",
                "预警",
            ],
            tasks,
        ),
        (
            "事项",
            vec![
                "任务",
                "事项",
                "责任单位",
                "截止日期",
                "状态",
                "进度(%)",
                "督办状态",
            ],
            items,
        ),
        (
            "单位",
            vec![
                "单位",
                "事项数",
                "已办结",
                "逾期",
                "按期办结率",
                "报告数",
                "退回数",
            ],
            units,
        ),
        (
            "报告",
            vec![
                "单位",
                "事项",
                "进度(%)",
                "审核",
                "进展情况",
                "存在问题",
                "退回原因",
            ],
            reports,
        ),
    ]
}

fn summary(r: &SupervisionReport) -> Vec<(&'static str, String)> {
    vec![
        ("通报期", r.period.clone()),
        ("生成时间", r.generated_at.clone()),
        ("计划版本", r.version.to_string()),
        ("总体进度", format!("{}%", r.progress)),
        ("按期办结率", rate(r.on_time_rate)),
        (
            "督办状态",
            format!(
                "正常 {} · 预警 {} · 逾期 {}",
                r.lights.green, r.lights.yellow, r.lights.red
            ),
        ),
    ]
}

pub fn to_xlsx(r: &SupervisionReport) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let rows = summary(r)
        .into_iter()
        .map(|(k, v)| vec![k.to_owned(), v])
        .collect();
    sheet(&mut workbook, "总体", &[r.title.as_str(), ""], rows)?;
    for (name, header, rows) in tables(r) {
        sheet(&mut workbook, name, &header, rows)?;
    }
    workbook.save_to_buffer()
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

pub fn to_html(r: &SupervisionReport) -> String {
    let mut html = format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{title} {period}</title>\
         <style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse;width:100%;margin:1em 0}}\
         th,td{{border:1px solid #999;padding:4px 6px;font-size:12px;text-align:left;vertical-align:top}}\
         th{{background:#eee}}h1{{font-size:20px}}h2{{font-size:16px;margin-top:1.5em}}\
         @media print{{body{{margin:0}}h2{{break-after:avoid}}tr{{break-inside:avoid}}}}</style></head><body>\
         <h1>{title}</h1><table>",
        title = escape(&r.title),
        period = escape(&r.period)
    );
    for (k, v) in summary(r) {
        html.push_str(&format!("<tr><th>{k}</th><td>{}</td></tr>", escape(&v)));
    }
    html.push_str("</table>");
    for (name, header, rows) in tables(r) {
        html.push_str(&format!("<h2>{name}</h2><table><tr>"));
        for h in header {
            html.push_str(&format!("<th>{h}</th>"));
        }
        html.push_str("</tr>");
        for row in rows {
            html.push_str("<tr>");
            for cell in row {
                html.push_str(&format!("<td>{}</td>", escape(&cell)));
            }
            html.push_str("</tr>");
        }
        html.push_str("</table>");
    }
    html.push_str("</body></html>");
    html
}

#[cfg(test)]
mod tests {
    #[test]
    fn text_is_escaped() {
        assert_eq!(
            super::escape("<b a=\"1\">&'"),
            "&lt;b a=&quot;1&quot;&gt;&amp;&#39;"
        );
    }
}
