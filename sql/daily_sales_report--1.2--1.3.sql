-- daily_sales_report 1.2 -> 1.3: the figures of every day read are kept, so
-- the expected band of a day (the same weekday of the weeks before) is read
-- from them instead of re-reading eight days of order lines at every run.
\echo Use "ALTER EXTENSION daily_sales_report UPDATE TO '1.3'" to load this file. \quit

-- One row per day read, per source and calendar: the report's own day and
-- its comparison days are written at every run (fresh figures), days never
-- reported are read once when a band needs them.  A day changed after it
-- was written keeps its old figures here until a run reads it again (the
-- band is an estimate; the report's own figures are always fresh).
CREATE TABLE daily_sales_report.day_totals (
    source       text NOT NULL,
    timezone     text NOT NULL,
    day          date NOT NULL,
    orders       bigint NOT NULL,
    revenue      numeric NOT NULL,
    items_sold   bigint NOT NULL,
    computed_at  timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    PRIMARY KEY (source, timezone, day)
);
COMMENT ON TABLE daily_sales_report.day_totals IS
    'Figures of each day a run read (source, calendar time zone, day): the expected band is computed from them';
SELECT pg_catalog.pg_extension_config_dump('daily_sales_report.day_totals', '');

-- The band each run computed, next to its figures (NULL: no history for that weekday).
ALTER TABLE daily_sales_report.runs
    ADD COLUMN expected_revenue numeric,
    ADD COLUMN expected_lower   numeric,
    ADD COLUMN expected_upper   numeric,
    ADD COLUMN expected_weeks   integer;
COMMENT ON COLUMN daily_sales_report.runs.expected_revenue IS
    'Median revenue of the same weekday over the weeks before (up to 8), from daily_sales_report.day_totals';
COMMENT ON COLUMN daily_sales_report.runs.expected_weeks IS
    'How many of those weeks are the shop''s history (0: no expected band)';
