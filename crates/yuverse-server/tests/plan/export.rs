//! The supervision report for a period: JSON, an XLSX workbook and a printable page.

use reqwest::StatusCode;
use serde_json::json;

use crate::common::*;
use crate::*;

#[tokio::test]
async fn the_supervision_report_of_a_period_comes_as_json_xlsx_and_a_printable_page() {
    let app = spawn_plan().await;
    let office = app.demo("demo-office").await;
    let unit = app.demo("demo-unit").await;
    let own = unit.me["organisation"]["id"].as_str().unwrap().to_owned();
    let item = create_item(
        &office,
        "T2",
        &own,
        json!({"title": "汽车元宇宙集群 <招商>"}),
    )
    .await;
    let id = item["id"].as_str().unwrap();
    unit.post_ok(
        &format!("/api/v1/plan/items/{id}/reports"),
        json!({"period": "2024-03", "percentage": 20, "narrative": "<script>alert(1)</script>对接 2 家"}),
        StatusCode::CREATED,
    )
    .await;

    let report = office
        .get_json("/api/v1/plan/supervision-report?period=2024-03")
        .await;
    assert_eq!(report["title"], "渝北区元宇宙产业发展行动计划督办通报");
    assert_eq!(report["reports"].as_array().unwrap().len(), 1);
    assert_eq!(report["reports"][0]["unit_name"], "仙桃数据谷公司");
    assert_eq!(report["items"][0]["task_code"], "T2");
    assert_eq!(report["tasks"].as_array().unwrap().len(), 15);
    let other = office
        .get_json("/api/v1/plan/supervision-report?period=2024-Q2")
        .await;
    assert_eq!(other["reports"], json!([]));

    let r = office
        .get("/api/v1/plan/supervision-report?period=2024-03&format=xlsx")
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("supervision-2024-03.xlsx"));
    let bytes = r.bytes().await.unwrap();
    assert_eq!(&bytes[..2], b"PK", "a zip container");
    let names = String::from_utf8_lossy(&bytes);
    for sheet in 1..=5 {
        assert!(
            names.contains(&format!("xl/worksheets/sheet{sheet}.xml")),
            "sheet {sheet}"
        );
    }

    let r = office
        .get("/api/v1/plan/supervision-report?period=2024-03&format=html")
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let page = r.text().await.unwrap();
    assert!(page.contains("督办通报") && page.contains("@media print"));
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;对接 2 家"));
    assert!(page.contains("汽车元宇宙集群 &lt;招商&gt;"));
    assert!(!page.contains("<script>"));

    let r = office
        .get("/api/v1/plan/supervision-report?period=March")
        .await;
    let p = expect_problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(p["errors"][0]["field"], "period");
    expect_problem(
        office
            .get("/api/v1/plan/supervision-report?format=pdf")
            .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    let citizen = app.demo("demo-citizen").await;
    expect_problem(
        citizen.get("/api/v1/plan/supervision-report").await,
        StatusCode::FORBIDDEN,
    )
    .await;
}
