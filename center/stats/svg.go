package stats

import (
	"fmt"
	"html"
	"math"
	"strings"
)

// Series colours; the page's CSS does not restyle them, so a saved SVG looks
// the same. They keep a 3:1 contrast on white.
const (
	colorQuestions = "#8da4c4"
	colorOpened    = "#2f6fde"
	colorClosed    = "#1f9d6b"
	colorGrid      = "#e3e7ee"
	colorText      = "#4a5568"
)

// VolumeChart draws the daily volume (questions asked, tickets opened and
// closed) as grouped bars, an accessible inline SVG that scales to its box.
func VolumeChart(days []Day) string {
	const w, h, left, right, top, bottom = 720.0, 260.0, 40.0, 10.0, 30.0, 36.0
	var b strings.Builder
	total := [3]int{}
	peak := 0
	for _, d := range days {
		total[0] += d.Questions
		total[1] += d.Opened
		total[2] += d.Closed
		peak = max(peak, d.Questions, d.Opened, d.Closed)
	}
	label := fmt.Sprintf("Daily volume over %d days: %d questions, %d tickets opened, %d closed", len(days), total[0], total[1], total[2])
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %g %g" role="img" aria-label="%s" xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif" font-size="11">`,
		w, h, html.EscapeString(label))
	fmt.Fprintf(&b, `<title>%s</title>`, html.EscapeString(label))
	legend := []struct{ name, color string }{{"Questions", colorQuestions}, {"Opened", colorOpened}, {"Closed", colorClosed}}
	for i, l := range legend {
		x := left + float64(i)*100
		fmt.Fprintf(&b, `<rect x="%g" y="6" width="12" height="12" rx="2" fill="%s"/><text x="%g" y="16" fill="%s">%s</text>`, x, l.color, x+17, colorText, l.name)
	}
	top2, step := niceMax(peak)
	plotH := h - top - bottom
	plotW := w - left - right
	for v := 0; v <= top2; v += step {
		y := top + plotH - float64(v)/float64(top2)*plotH
		fmt.Fprintf(&b, `<line x1="%g" x2="%g" y1="%.1f" y2="%.1f" stroke="%s"/><text x="%g" y="%.1f" text-anchor="end" fill="%s">%d</text>`,
			left, w-right, y, y, colorGrid, left-6, y+4, colorText, v)
	}
	if len(days) == 0 {
		b.WriteString(`</svg>`)
		return b.String()
	}
	slot := plotW / float64(len(days))
	bar := math.Max(1, slot*0.8/3)
	labelEvery := int(math.Ceil(float64(len(days)) / 10))
	for i, d := range days {
		x0 := left + float64(i)*slot + slot*0.1
		for j, v := range []int{d.Questions, d.Opened, d.Closed} {
			bh := float64(v) / float64(top2) * plotH
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s: %d %s</title></rect>`,
				x0+float64(j)*bar, top+plotH-bh, bar, bh, legend[j].color, d.Date.Format("Mon 2 Jan"), v, strings.ToLower(legend[j].name))
		}
		if i%labelEvery == 0 {
			fmt.Fprintf(&b, `<text x="%.1f" y="%g" text-anchor="middle" fill="%s">%s</text>`, left+float64(i)*slot+slot/2, h-bottom+16, colorText, d.Date.Format("2 Jan"))
		}
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// RatingChart draws the rating distribution as horizontal bars, highest
// rating on top, each with its count and share.
func RatingChart(s Satisfaction) string {
	const w, rowH, left, right = 420.0, 26.0, 70.0, 80.0
	h := rowH*float64(len(s.Distribution)) + 8
	var b strings.Builder
	label := fmt.Sprintf("%d ratings, average %.1f of %d", s.Count, s.Average, s.Scale)
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %g %g" role="img" aria-label="%s" xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif" font-size="12">`,
		w, h, html.EscapeString(label))
	fmt.Fprintf(&b, `<title>%s</title>`, html.EscapeString(label))
	peak := 0
	for _, n := range s.Distribution {
		peak = max(peak, n)
	}
	for i := len(s.Distribution) - 1; i >= 0; i-- {
		n := s.Distribution[i]
		row := float64(len(s.Distribution) - 1 - i)
		y := 4 + row*rowH
		name := fmt.Sprintf("%d ★", i+1)
		fmt.Fprintf(&b, `<text x="%g" y="%.1f" text-anchor="end" fill="%s">%s</text>`, left-10, y+rowH/2+4, colorText, name)
		fmt.Fprintf(&b, `<rect x="%g" y="%.1f" width="%g" height="%.1f" rx="3" fill="%s"/>`, left, y+4, w-left-right, rowH-8, colorGrid)
		bw := 0.0
		if peak > 0 {
			bw = float64(n) / float64(peak) * (w - left - right)
		}
		share := 0.0
		if s.Count > 0 {
			share = 100 * float64(n) / float64(s.Count)
		}
		fmt.Fprintf(&b, `<rect x="%g" y="%.1f" width="%.1f" height="%.1f" rx="3" fill="%s"><title>%d of %d ratings were %d stars</title></rect>`,
			left, y+4, bw, rowH-8, ratingColor(i+1, s.Scale), n, s.Count, i+1)
		fmt.Fprintf(&b, `<text x="%g" y="%.1f" fill="%s">%d (%.0f%%)</text>`, w-right+8, y+rowH/2+4, colorText, n, share)
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// ratingColor goes from red (1) to green (scale).
func ratingColor(r, scale int) string {
	colors := []string{"#d64545", "#e07b39", "#d9a521", "#7cb342", "#1f9d6b"}
	if scale <= 1 {
		return colors[len(colors)-1]
	}
	i := int(math.Round(float64(r-1) / float64(scale-1) * float64(len(colors)-1)))
	return colors[i]
}

// niceMax rounds the axis top up to a round number and gives a tick step,
// so that gridlines fall on 1, 2 or 5 times a power of ten.
func niceMax(peak int) (top, step int) {
	if peak <= 4 {
		return 4, 1
	}
	raw := float64(peak) / 4
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*mag >= raw {
			step = int(m * mag)
			break
		}
	}
	top = int(math.Ceil(float64(peak)/float64(step))) * step
	return top, step
}
