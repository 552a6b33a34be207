package web

import (
	"fmt"
	"html/template"
	"strings"
)

// bar is one bar of a chart.
type bar struct {
	Label string
	Value float64
	Link  string
}

// barChart draws horizontal bars as inline SVG, one row per bar, so that it
// prints and needs no script. Labels and links are escaped.
func barChart(title string, bars []bar) template.HTML {
	const rowH, labelW, width = 30, 140, 520
	max := 0.0
	for _, b := range bars {
		if b.Value > max {
			max = b.Value
		}
	}
	var sb strings.Builder
	h := rowH*len(bars) + 10
	fmt.Fprintf(&sb, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-label="%s" xmlns="http://www.w3.org/2000/svg">`,
		width, h, template.HTMLEscapeString(title))
	for i, b := range bars {
		y := i*rowH + 5
		w := 0.0
		if max > 0 {
			w = (b.Value / max) * float64(width-labelW-60)
		}
		label := template.HTMLEscapeString(b.Label)
		fmt.Fprintf(&sb, `<text x="%d" y="%d" text-anchor="end" class="label">%s</text>`, labelW-8, y+20, label)
		rect := fmt.Sprintf(`<rect x="%d" y="%d" width="%.1f" height="%d" class="bar"/>`, labelW, y+4, w, rowH-10)
		if b.Link != "" {
			rect = fmt.Sprintf(`<a href="%s">%s</a>`, template.HTMLEscapeString(b.Link), rect)
		}
		sb.WriteString(rect)
		fmt.Fprintf(&sb, `<text x="%.1f" y="%d" class="value">%s</text>`, float64(labelW)+w+6, y+20, trimFloat(b.Value))
	}
	sb.WriteString(`</svg>`)
	return template.HTML(sb.String())
}

// series is one line of a line chart.
type series struct {
	Name   string
	Class  string
	Values []float64
}

// lineChart draws a trend as inline SVG with a legend.
func lineChart(title string, labels []string, lines []series) template.HTML {
	const width, height, left, bottom, top = 560, 220, 40, 30, 20
	max := 1.0
	for _, s := range lines {
		for _, v := range s.Values {
			if v > max {
				max = v
			}
		}
	}
	step := 0.0
	if len(labels) > 1 {
		step = float64(width-left-20) / float64(len(labels)-1)
	}
	yOf := func(v float64) float64 { return float64(top) + (1-v/max)*float64(height-top-bottom) }
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-label="%s" xmlns="http://www.w3.org/2000/svg">`,
		width, height, template.HTMLEscapeString(title))
	fmt.Fprintf(&sb, `<line x1="%d" y1="%d" x2="%d" y2="%d" class="axis"/>`, left, height-bottom, width-10, height-bottom)
	fmt.Fprintf(&sb, `<text x="%d" y="%d" text-anchor="end" class="label">%s</text>`, left-6, top+4, trimFloat(max))
	fmt.Fprintf(&sb, `<text x="%d" y="%d" text-anchor="end" class="label">0</text>`, left-6, height-bottom)
	for i, l := range labels {
		if i%2 == len(labels)%2 || len(labels) <= 6 {
			fmt.Fprintf(&sb, `<text x="%.1f" y="%d" text-anchor="middle" class="label">%s</text>`,
				float64(left)+step*float64(i), height-10, template.HTMLEscapeString(l))
		}
	}
	for j, s := range lines {
		var pts []string
		for i, v := range s.Values {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", float64(left)+step*float64(i), yOf(v)))
		}
		fmt.Fprintf(&sb, `<polyline points="%s" class="line %s"/>`, strings.Join(pts, " "), s.Class)
		fmt.Fprintf(&sb, `<rect x="%d" y="%d" width="12" height="4" class="key %s"/><text x="%d" y="%d" class="label">%s</text>`,
			left+10+j*110, 6, s.Class, left+26+j*110, 12, template.HTMLEscapeString(s.Name))
	}
	sb.WriteString(`</svg>`)
	return template.HTML(sb.String())
}

func trimFloat(v float64) string {
	s := fmt.Sprintf("%.2f", v)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s
}
