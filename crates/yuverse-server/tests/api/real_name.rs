use reqwest::StatusCode;
use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn identity_numbers_are_stored_encrypted_and_shown_masked() {
    let app = spawn_demo(true).await;
    let citizen = app.demo("demo-citizen").await;
    let number = identity_number(7);
    let r = citizen
        .post(
            "/api/v1/me/real-name",
            json!({"name": "李四", "id_number": number}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let view: serde_json::Value = r.json().await.unwrap();
    let masked = format!("{}**********{}", &number[..4], &number[14..]);
    assert_eq!(view["id_number_masked"], masked);

    let me = citizen.get_json("/api/v1/me").await;
    assert_eq!(me["real_name"]["id_number_masked"], masked);
    assert!(!me.to_string().contains(&number));

    // Another account cannot bind the same identity.
    let admin = app.admin().await;
    let r = admin
        .post(
            "/api/v1/users",
            json!({"username": "second-citizen", "display_name": "王五", "password": "Citizen-Passw0rd", "role": "citizen"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let second = app.login("second-citizen", "Citizen-Passw0rd").await;
    let r = second
        .post(
            "/api/v1/me/real-name",
            json!({"name": "王五", "id_number": number}),
        )
        .await;
    expect_problem(r, StatusCode::CONFLICT).await;

    // A wrong check digit is refused.
    let mut wrong = number.clone();
    let last = if wrong.ends_with('0') { '1' } else { '0' };
    wrong.replace_range(17.., &last.to_string());
    let r = second
        .post(
            "/api/v1/me/real-name",
            json!({"name": "王五", "id_number": wrong}),
        )
        .await;
    let p = expect_problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(p["errors"][0]["field"], "id_number");

    if !uses_postgres() {
        let (settings, dir) = app.stop().await;
        for file in sqlite_files(&settings.data_dir) {
            let bytes = std::fs::read(&file).unwrap();
            assert!(
                !bytes.windows(number.len()).any(|w| w == number.as_bytes()),
                "{} holds the identity number in clear",
                file.display()
            );
        }
        drop(dir);
    }
}
