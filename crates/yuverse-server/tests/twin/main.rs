//! NGSI-LD broker tests over HTTP against the real server (SQLite, or PostgreSQL with
//! `YUVERSE_TEST_DATABASE_URL`), written from the standard's text (GS CIM 009 V1.9.1).

#[path = "../api/common.rs"]
#[allow(dead_code)]
mod common;
mod ngsi;

mod alerts;
mod answers;
mod attribute_updates;
mod batch;
mod batch_scope;
mod context_and_tenants;
mod distributed_batch;
mod distributed_writes;
mod entities;
mod federation;
mod https_receiver;
mod jsonld_context_kinds;
mod jsonld_contexts;
mod languages;
mod linked_entities;
mod linked_queries;
mod live;
mod persist;
mod projection;
mod queries;
mod query_body;
mod registration_conflicts;
mod registrations;
mod subscription_deletions;
mod subscription_documents;
mod subscription_join;
mod subscription_selection;
mod subscriptions;
mod temporal;
mod temporal_aggregate;
mod temporal_conformance;
mod temporal_paging;
mod temporal_pick_and_deletions;
mod temporal_query;
mod temporal_requests;
mod temporal_selection;
mod temporal_write;
mod test_ca;
