-- daily_sales_report 1.0 -> 1.1: day groups leave the Pushgateway after
-- daily_sales_report.pushgateway_keep_days (a DELETE through the outbox).
-- A fresh CREATE EXTENSION runs the 1.0 script, then this one: one
-- definition of every object, no full 1.1 script to keep in step.
\echo Use "ALTER EXTENSION daily_sales_report UPDATE TO '1.1'" to load this file. \quit

ALTER TABLE daily_sales_report.outbox
    DROP CONSTRAINT outbox_method_check,
    ADD CONSTRAINT outbox_method_check CHECK (method IN ('PUT', 'POST', 'DELETE'));

-- The day groups (job, date) this database has put on a Pushgateway: a run
-- deletes, through the outbox, those older than
-- daily_sales_report.pushgateway_keep_days, so that the Pushgateway does not
-- keep a group for every day forever (each push checks them all).
-- IF NOT EXISTS: the 1.0 of the image built from the tree just before 1.1
-- (docker/Dockerfile, daily-sales-report/postgres:1.0) already made this
-- table, and the outbox's DELETE, in its 1.0 script; its databases update too.
CREATE TABLE IF NOT EXISTS daily_sales_report.day_groups (
    pushgateway_url  text NOT NULL,
    group_path       text NOT NULL,
    report_date      date NOT NULL,
    pushed_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (pushgateway_url, group_path)
);
COMMENT ON TABLE daily_sales_report.day_groups IS
    'Day groups put on a Pushgateway and not deleted yet (daily_sales_report.pushgateway_keep_days)';
SELECT pg_catalog.pg_extension_config_dump('daily_sales_report.day_groups', '');
