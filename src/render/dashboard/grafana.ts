/**
 * Typed builders for the small part of Grafana's classic dashboard JSON model that hubfleet
 * uses: rows of timeseries, stat and bar gauge panels over Prometheus queries, laid out on
 * Grafana's 24-column grid. Pure: they return plain data, and the same specs give the same JSON.
 */

/** Grafana unit ids (Grafana's value formats) that our panels use. */
export type Unit = "short" | "percentunit" | "bytes" | "s" | "reqps" | "currencyUSD";

export type PanelKind = "timeseries" | "stat" | "bargauge";

export interface QuerySpec {
  /** PromQL; may use $hub, $__rate_interval and $__range. */
  readonly expr: string;
  /** Grafana legend template, e.g. "{{namespace}}". */
  readonly legend: string;
}

export interface PanelSpec {
  readonly kind: PanelKind;
  readonly title: string;
  /** Shown in the panel's (i) tooltip: what the numbers mean and where they come from. */
  readonly description: string;
  readonly unit: Unit;
  readonly queries: readonly QuerySpec[];
  /** Columns out of 24. */
  readonly width: number;
  /** Grid rows (one is about 30 px). @default 8 */
  readonly height?: number;
  /** Ratios get a fixed 0..1 scale and warning colours at 80% and 90%. */
  readonly ratio?: boolean;
}

export interface RowSpec {
  readonly title: string;
  readonly panels: readonly PanelSpec[];
}

export interface DashboardSpec {
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  readonly tags: readonly string[];
  readonly variables: readonly Record<string, unknown>[];
  readonly rows: readonly RowSpec[];
}

export const GRID_WIDTH = 24;
const DEFAULT_HEIGHT = 8;
/** Grafana 10.3 to 11.x write this; newer versions migrate it on load. */
export const SCHEMA_VERSION = 39;

/** Every panel and query names the datasource through the dashboard's `datasource` variable. */
export const DATASOURCE_VARIABLE = "datasource";
export const DATASOURCE_REF = { type: "prometheus", uid: `\${${DATASOURCE_VARIABLE}}` } as const;

/** A variable choosing any Prometheus datasource, so the JSON imports into any Grafana. */
export function datasourceVariable(): Record<string, unknown> {
  return {
    current: {},
    hide: 0,
    includeAll: false,
    label: "Data source",
    multi: false,
    name: DATASOURCE_VARIABLE,
    options: [],
    query: "prometheus",
    refresh: 1,
    regex: "",
    skipUrlSync: false,
    type: "datasource",
  };
}

/** A multi-select query variable with "All" selected at first. */
export function queryVariable(options: {
  name: string;
  label: string;
  query: string;
}): Record<string, unknown> {
  return {
    current: { selected: true, text: ["All"], value: ["$__all"] },
    datasource: DATASOURCE_REF,
    definition: options.query,
    hide: 0,
    includeAll: true,
    label: options.label,
    multi: true,
    name: options.name,
    options: [],
    query: options.query,
    refresh: 2, // on time range change: hubs come and go
    regex: "",
    skipUrlSync: false,
    sort: 1,
    type: "query",
  };
}

interface GridPos {
  readonly h: number;
  readonly w: number;
  readonly x: number;
  readonly y: number;
}

/**
 * Places rows and panels on the grid: each row header takes a full line, its panels flow left
 * to right and wrap when the next one does not fit. Ids count up from 1 in reading order.
 */
export function layout(rows: readonly RowSpec[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  let id = 0;
  let y = 0;
  for (const row of rows) {
    out.push(rowPanel(++id, row.title, y));
    y += 1;
    let x = 0;
    let lineHeight = 0;
    for (const panel of row.panels) {
      if (panel.width < 1 || panel.width > GRID_WIDTH) {
        throw new Error(`panel "${panel.title}": width ${panel.width} is not within 1..24`);
      }
      const h = panel.height ?? DEFAULT_HEIGHT;
      if (x + panel.width > GRID_WIDTH) {
        y += lineHeight;
        x = 0;
        lineHeight = 0;
      }
      out.push(renderPanel(++id, panel, { h, w: panel.width, x, y }));
      x += panel.width;
      lineHeight = Math.max(lineHeight, h);
    }
    y += lineHeight;
  }
  return out;
}

export function renderDashboard(spec: DashboardSpec): Record<string, unknown> {
  return {
    annotations: { list: [] },
    description: spec.description,
    editable: true,
    fiscalYearStartMonth: 0,
    graphTooltip: 1, // shared crosshair: line up spikes across panels
    id: null,
    links: [],
    panels: layout(spec.rows),
    refresh: "1m",
    schemaVersion: SCHEMA_VERSION,
    tags: [...spec.tags],
    templating: { list: [...spec.variables] },
    time: { from: "now-24h", to: "now" },
    timepicker: {},
    timezone: "browser",
    title: spec.title,
    uid: spec.uid,
    version: 1,
    weekStart: "",
  };
}

function rowPanel(id: number, title: string, y: number): Record<string, unknown> {
  return {
    collapsed: false,
    gridPos: { h: 1, w: GRID_WIDTH, x: 0, y },
    id,
    panels: [],
    title,
    type: "row",
  };
}

function renderPanel(id: number, panel: PanelSpec, gridPos: GridPos): Record<string, unknown> {
  // Stat and bar gauge panels show one current value per series: instant queries suffice.
  const instant = panel.kind !== "timeseries";
  return {
    datasource: DATASOURCE_REF,
    description: panel.description,
    fieldConfig: { defaults: fieldDefaults(panel), overrides: [] },
    gridPos,
    id,
    options: panelOptions(panel.kind),
    targets: panel.queries.map((query, index) => ({
      datasource: DATASOURCE_REF,
      editorMode: "code",
      expr: query.expr,
      instant,
      legendFormat: query.legend,
      range: !instant,
      refId: refId(index),
    })),
    title: panel.title,
    type: panel.kind,
  };
}

/** A, B, C, … as Grafana names a panel's queries. */
export function refId(index: number): string {
  if (index < 0 || index >= 26) throw new Error(`query index ${index} out of A..Z`);
  return String.fromCharCode(65 + index);
}

function fieldDefaults(panel: PanelSpec): Record<string, unknown> {
  const steps: { color: string; value: number | null }[] = [{ color: "green", value: null }];
  if (panel.ratio) steps.push({ color: "orange", value: 0.8 }, { color: "red", value: 0.9 });
  return {
    color: { mode: panel.kind === "timeseries" ? "palette-classic" : "thresholds" },
    ...(panel.kind === "timeseries"
      ? {
          custom: {
            drawStyle: "line",
            fillOpacity: 10,
            lineWidth: 1,
            showPoints: "never",
            spanNulls: false,
          },
        }
      : {}),
    ...(panel.ratio ? { max: 1 } : {}),
    min: 0,
    thresholds: { mode: "absolute", steps },
    unit: panel.unit,
  };
}

const LAST_VALUE = { calcs: ["lastNotNull"], fields: "", values: false };

function panelOptions(kind: PanelKind): Record<string, unknown> {
  switch (kind) {
    case "timeseries":
      return {
        legend: {
          calcs: ["lastNotNull", "max"],
          displayMode: "table",
          placement: "bottom",
          showLegend: true,
        },
        tooltip: { mode: "multi", sort: "desc" },
      };
    case "stat":
      return {
        colorMode: "value",
        graphMode: "none",
        justifyMode: "auto",
        orientation: "auto",
        reduceOptions: LAST_VALUE,
        textMode: "value_and_name",
      };
    case "bargauge":
      return {
        displayMode: "gradient",
        minVizHeight: 16,
        minVizWidth: 8,
        namePlacement: "auto",
        orientation: "horizontal",
        reduceOptions: LAST_VALUE,
        showUnfilled: true,
        sizing: "auto",
        valueMode: "color",
      };
  }
}
