//! API tests: the real server over HTTP, on SQLite (default) or PostgreSQL
//! (`YUVERSE_TEST_DATABASE_URL`).

mod common;

mod access_matrix;
mod audit;
mod auth;
mod bad_input;
mod operations;
mod real_name;
mod restart;
mod users_and_organisations;
