//! One integration test binary: every scenario runs against the real app over HTTP, on SQLite
//! and on PostgreSQL.

mod helpers;

mod access;
mod access_matrix;
mod api;
mod api_tokens;
mod audit_privacy;
mod browser;
mod bss;
mod bulk;
mod bulk_run;
mod cli;
mod delegated_users;
mod demo;
mod departments;
mod employees;
mod exports;
mod jobs;
mod line_changes;
mod lines;
mod login;
mod monthly_cost;
mod ops;
mod pages;
mod reference;
mod roster;
mod schema;
mod scoping;
mod screens;
mod search_plan;
mod second_factor;
mod second_factor_limits;
mod send_limits;
mod sessions;
mod sign_in;
mod uniqueness;
