// test/static/grafana/dashboard-types.ts — the type a provisioned dashboard
// JSON of this project must have, built from Grafana's published types
// (npm @grafana/schema, the version of the Grafana the README names, pinned by
// test/static/package-lock.json).  test/static/grafana/check.mjs writes the
// JSON as a TypeScript literal of type DashboardFile and compiles it with tsc
// --strict: a key Grafana does not know, a wrong enum spelling, a missing
// required option or a panel type other than those below fails the suite.

import type * as schema from '@grafana/schema';
import type * as stat from '@grafana/schema/dist/esm/raw/composable/stat/panelcfg/x/StatPanelCfg_types.gen.js';
import type * as timeseries from '@grafana/schema/dist/esm/raw/composable/timeseries/panelcfg/x/TimeSeriesPanelCfg_types.gen.js';
import type * as barchart from '@grafana/schema/dist/esm/raw/composable/barchart/panelcfg/x/BarChartPanelCfg_types.gen.js';
import type * as bargauge from '@grafana/schema/dist/esm/raw/composable/bargauge/panelcfg/x/BarGaugePanelCfg_types.gen.js';

// Grafana's JSON spells an enum member as its value ("absolute"); TypeScript's
// string enums accept only the member (ThresholdsMode.Absolute).  Loose<T>
// turns every string enum inside T into the union of its values, so the
// JSON's spellings are checked against the same sets.
export type Loose<T> =
    T extends string ? `${T}` :
    T extends number | boolean | null | undefined ? T :
    T extends Array<infer U> ? Array<Loose<U>> :
    T extends object ? { [K in keyof T]: Loose<T[K]> } :
    T;

// Every panel and query reads the dashboard's datasource variable.
export interface DatasourceRef {
    type: 'prometheus';
    uid: '${datasource}';
}

// A Prometheus query as Grafana stores it (the Prometheus plugin's PromQuery:
// @grafana/schema 11 no longer carries the plugin's types).
export interface PromQuery extends Omit<schema.DataQuery, 'datasource'> {
    datasource: DatasourceRef;
    expr: string;
    legendFormat?: string;
    instant?: boolean;
    range?: boolean;
    format?: 'time_series' | 'table' | 'heatmap';
    editorMode?: 'code' | 'builder';
    interval?: string;
    exemplar?: boolean;
}

// fieldConfig with the panel's own custom field options (Grafana's
// FieldConfig<T> adds an index signature to custom, which would let any key
// through).
type FieldConfigSourceOf<Custom> = Omit<schema.FieldConfigSource, 'defaults'> & {
    defaults: Omit<schema.FieldConfig, 'custom'> & { custom?: Custom };
};

type PanelOf<Type extends string, Options, Custom = Record<string, never>> =
    Loose<Omit<schema.Panel, 'type' | 'options' | 'targets' | 'fieldConfig' | 'datasource'>> & {
        type: Type;
        datasource: DatasourceRef;
        targets: PromQuery[];
        options: Loose<Options>;
        fieldConfig: Loose<FieldConfigSourceOf<Custom>>;
    };

export type DashboardPanel =
    | PanelOf<'stat', stat.Options>
    | PanelOf<'timeseries', timeseries.Options, timeseries.FieldConfig>
    | PanelOf<'barchart', barchart.Options, barchart.FieldConfig>
    | PanelOf<'bargauge', bargauge.Options>;

export type DashboardFile = Loose<Omit<schema.Dashboard, 'panels'>> & {
    uid: string;
    title: string;
    panels: Array<DashboardPanel | Loose<schema.RowPanel>>;
};
