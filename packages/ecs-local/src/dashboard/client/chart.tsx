import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import type { ChartData } from "../view-model.js";

/** Series colours, each at least 4.5:1 against the white background. */
const COLOURS = ["#1f5fbf", "#b3261e", "#1b7037", "#8a4b00", "#6b3fa0", "#00656e", "#a1005a"];

export interface ChartProps {
  /** Unique on the page: the caption's and summary's ids derive from it. */
  readonly id: string;
  readonly title: string;
  /** What the chart shows now, in words: its caption and its accessible name. */
  readonly summary: string;
  readonly data: ChartData;
  readonly leftLabel: string;
  readonly rightLabel?: string;
}

/**
 * A uPlot time-series chart in a figure whose caption says in words what it draws. The canvas
 * is one image to assistive technology (`role="img"` named by the title and summary); its
 * container tells how many points it holds (`data-points`), which the browser test reads.
 */
export function Chart(props: ChartProps) {
  const holder = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const { data } = props;
  // The latest data, for a chart rebuilt between two updates.
  const dataRef = useRef(data);
  dataRef.current = data;
  // A new series (a new edge, a new policy) needs a new chart; new points only new data.
  const shape = data.series.map((series) => `${series.label}|${series.axis ?? "left"}`).join(",");

  useEffect(() => {
    const element = holder.current;
    if (element === null) return;
    const chart = new uPlot(
      chartOptions(props, element.clientWidth),
      aligned(dataRef.current),
      element,
    );
    plot.current = chart;
    const resize = new ResizeObserver(() => {
      chart.setSize({ width: element.clientWidth, height: 220 });
    });
    resize.observe(element);
    return () => {
      resize.disconnect();
      chart.destroy();
      plot.current = null;
    };
    // Only a new shape rebuilds the chart: the options derive from it, the data is set below.
  }, [shape]);

  useEffect(() => {
    plot.current?.setData(aligned(data));
  }, [data]);

  return (
    <figure class="chart" aria-labelledby={`${props.id}-title`}>
      <figcaption>
        <h3 id={`${props.id}-title`}>{props.title}</h3>
        <p id={`${props.id}-summary`} class="summary">
          {props.summary}
        </p>
      </figcaption>
      <div
        ref={holder}
        class="chart-canvas"
        role="img"
        aria-labelledby={`${props.id}-title ${props.id}-summary`}
        data-points={data.x.length}
        data-series={data.series.length}
      />
    </figure>
  );
}

function aligned(data: ChartData): uPlot.AlignedData {
  return [data.x, ...data.series.map((series) => series.values)];
}

function chartOptions(props: ChartProps, width: number): uPlot.Options {
  const hasRight = props.data.series.some((series) => series.axis === "right");
  const axes: uPlot.Axis[] = [
    { stroke: "#333" },
    { scale: "left", label: props.leftLabel, stroke: "#333" },
  ];
  if (hasRight) {
    axes.push({
      scale: "right",
      side: 1,
      label: props.rightLabel ?? "",
      stroke: "#333",
      grid: { show: false },
    });
  }
  return {
    width: Math.max(width, 200),
    height: 220,
    scales: {
      // One sample has no span: show the minute before it rather than uPlot's years.
      x: { time: true, range: (_u, min, max) => (min === max ? [min - 60, max + 1] : [min, max]) },
      left: { range: (_u, _min, max) => [0, Math.max(1, Math.ceil(max * 1.15))] },
      right: { range: (_u, _min, max) => [0, Math.max(1, Math.ceil(max * 1.15))] },
    },
    axes,
    series: [
      {},
      ...props.data.series.map((series, index) => ({
        label: series.label,
        scale: series.axis ?? "left",
        stroke: COLOURS[index % COLOURS.length],
        width: 2,
        dash: series.dashed ? [6, 4] : undefined,
        spanGaps: false,
      })),
    ],
  };
}
