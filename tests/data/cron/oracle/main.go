// Command oracle writes tests/data/cron/robfig_vectors.txt: what Karmada's two cron libraries say about
// schedules, for fedmetrics' cron unit tests (tests/unit/aggregation/cron/cron_schedule_test.cpp).
// It imports the exact versions Karmada v1.18.2 uses (go.mod), nothing is copied from them.
//
//	cd tests/data/cron/oracle && go run . > ../robfig_vectors.txt
//
// Lines (tab-separated):
//
//	V  <expr, Go-quoted>  <accept|reject>   accept = robfig ParseStandard("CRON_TZ=UTC "+expr) succeeds
//	                                        (gocron's path) and gronx.IsValid holds at every reference time
//	N  <zone>  <after, unix>  <expr, Go-quoted>  <next...>   successive robfig Next() from `after`, as
//	                                        gocron schedules them (each from the previous); "none" ends
//	                                        (nothing within five years), "hang" ends (Next never returned)
//
// Time zones come from the system zoneinfo (Go reads /usr/share/zoneinfo first), the same files fedmetrics
// reads.
package main

import (
	"fmt"
	"math/rand"
	"strings"
	"time"

	"github.com/adhocore/gronx"
	"github.com/robfig/cron/v3"
)

// gronx.IsValid checks against time.Now() and stops at the first item that is due, so its verdict can
// depend on the time; these references differ in every field, and a schedule counts only if all accept.
var refs = []time.Time{
	time.Date(2024, 5, 15, 13, 37, 41, 0, time.UTC),
	time.Date(2023, 11, 2, 7, 12, 3, 0, time.UTC),
	time.Date(2025, 2, 28, 22, 58, 17, 0, time.UTC),
	time.Date(2026, 8, 9, 0, 0, 0, 0, time.UTC),
}

func gronxValid(expr string) bool {
	for _, ref := range refs {
		segs, err := gronx.Segments(expr)
		if err != nil {
			return false
		}
		c := &gronx.SegmentChecker{}
		c.SetRef(ref)
		for pos, seg := range segs {
			if _, err := c.CheckDue(seg, pos); err != nil {
				return false
			}
		}
	}
	return true
}

func accepted(expr string) bool {
	_, err := cron.ParseStandard("CRON_TZ=UTC " + expr)
	return err == nil && gronxValid(expr)
}

var handPicked = []string{
	"* * * * *", "0 8 * * 1-5", "*/15 * * * *", "0 0 1 1 *", "30 2 * * *", "0,30 * * * *",
	"5/15 * * * *", "0 */2 * * *", "0 0 */5 * *", "0 0 * */2 *", "0 0 * * */2", "0 0 1-31 * 1",
	"0 0 13 * 5", "0 0 * * 0", "0 12 ? * ?", "0 9 * jan-mar mon-fri", "0 9 * JAN-Mar MON-fri",
	"0 0 1 jan,jul *", "0 0 * * sun,sat", "+5 * * * *", "05 08 * * *", "0 0 29 2 *", "0 0 30 2 *",
	"0 0 31 4 *", "1-59/2 * * * *", "0 0-23/6 * * *", "59 23 31 12 *", "0 0 1-7 * 1", "*/1 * * * *",
	"0 0 */1 * 1", "0 0 * * 1-5/2", "10-20/5,40 * * * *", "*/100 * * * *", " 0 8 * * * ", "0\t8\t*\t*\t*",
	"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@hourly", " @hourly ",
	// refused by one or both
	"", " ", "* * * *", "* * * * * *", "0 0 * * * 2024", "60 * * * *", "* 24 * * *", "* * 0 * *",
	"* * 32 * *", "* * * 0 *", "* * * 13 *", "* * * * 7", "* * * * 0-7", "* * * * 7-1", "*/0 * * * *",
	"1-5/0 * * * *", "5-1 * * * *", "1-2-3 * * * *", "*/2/3 * * * *", "? /5 * * *", "?/5 * * * *",
	"*-5 * * * *", "1,,2 * * * *", ",1 * * * *", "1, * * * *", "-1 * * * *", "*/-1 * * * *",
	"MON * * * *", "* * * MON *", "* * * * JAN", "* * JAN * *", "* * * January *", "* * * * Monday",
	"0 0 L * *", "0 0 15W * *", "0 0 * * 5L", "0 0 * * 5#3", "@midnight", "@every 1h", "@always",
	"@5minutes", "@HOURLY", "@Daily", "@reboot", "CRON_TZ=UTC 0 8 * * *", "TZ=UTC 0 8 * * *",
	"0 8 * * *\n", "0\n8 * * *", "0 8 * * *;", "0x10 * * * *", "1.5 * * * *", "0 0 0/5 * *",
	"99999999999999999999 * * * *", "*/99999999999999999999 * * * *", "60/5 * * * *", "0 0 * * 6/2",
	"0 0 * jan/2 *", "0 0 * */jan *", "0 0 * * mon-sun", "0 0 * * sat-sun", "0 0 * * sun-sat",
}

func randomItem(r *rand.Rand, min, max int, names []string) string {
	num := func() string {
		switch r.Intn(12) {
		case 0:
			return fmt.Sprint(max + 1)
		case 1:
			return fmt.Sprint(min - 1)
		case 2:
			if names != nil {
				n := names[r.Intn(len(names))]
				if r.Intn(2) == 0 {
					n = strings.ToUpper(n)
				}
				return n
			}
			return "mon"
		case 3:
			return "+" + fmt.Sprint(min+r.Intn(max-min+1))
		default:
			return fmt.Sprint(min + r.Intn(max-min+1))
		}
	}
	var base string
	switch r.Intn(6) {
	case 0:
		base = "*"
	case 1:
		base = "?"
	case 2, 3:
		base = num() + "-" + num()
	default:
		base = num()
	}
	if r.Intn(4) == 0 {
		base += "/" + fmt.Sprint(r.Intn(8))
	}
	return base
}

func randomExpr(r *rand.Rand) string {
	type field struct {
		min, max int
		names    []string
	}
	fields := []field{{0, 59, nil}, {0, 23, nil}, {1, 31, nil},
		{1, 12, []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}},
		{0, 6, []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}}}
	parts := make([]string, 0, 5)
	for _, f := range fields {
		n := 1 + r.Intn(3)
		items := make([]string, 0, n)
		for i := 0; i < n; i++ {
			items = append(items, randomItem(r, f.min, f.max, f.names))
		}
		parts = append(parts, strings.Join(items, ","))
	}
	return strings.Join(parts, " ")
}

var zones = []string{"UTC", "America/New_York", "Europe/Berlin", "Europe/London", "Australia/Sydney",
	"Australia/Lord_Howe", "Asia/Kolkata", "Asia/Kathmandu", "America/Sao_Paulo", "America/Santiago",
	"America/Havana", "Pacific/Chatham", "Asia/Tokyo", "Africa/Casablanca", "Pacific/Apia",
	"America/St_Johns", "Asia/Tehran", "Europe/Dublin"}

// Schedules that fire often enough, or at hours that DST touches, to exercise transitions.
var nextExprs = []string{"30 2 * * *", "0 * * * *", "30 1 * * *", "0,30 * * * *", "*/20 0-3 * * *",
	"0 0 * * *", "15 3 * * 0", "0 2 * 3,10,11 0", "0 0 1 * *", "45 23 * * 6", "0 12 29 2 *",
	"0 0 13 * 5", "0 0 1-7 * 1", "*/7 1-2 * * *", "0 0 30 2 *", "0 9 * * 1-5", "@hourly", "@weekly"}

func emitNext(loc *time.Location, after time.Time, expr string, count int) {
	s, err := cron.ParseStandard(fmt.Sprintf("CRON_TZ=%s %s", loc.String(), expr))
	if err != nil {
		return
	}
	out := []string{}
	t := after
	for i := 0; i < count; i++ {
		next := make(chan time.Time, 1)
		go func(from time.Time) { next <- s.Next(from) }(t)
		select {
		case t = <-next:
		case <-time.After(2 * time.Second):
			// robfig's Next never returns here (a calendar day that does not exist in the zone,
			// Pacific/Apia 2011-12-30): the goroutine keeps spinning; the oracle notes it and moves on.
			out = append(out, "hang")
			fmt.Printf("N\t%s\t%d\t%q\t%s\n", loc.String(), after.Unix(), expr, strings.Join(out, " "))
			return
		}
		if t.IsZero() {
			out = append(out, "none")
			break
		}
		out = append(out, t.In(loc).Format(time.RFC3339))
	}
	fmt.Printf("N\t%s\t%d\t%q\t%s\n", loc.String(), after.Unix(), expr, strings.Join(out, " "))
}

func main() {
	r := rand.New(rand.NewSource(17))
	for _, e := range handPicked {
		fmt.Printf("V\t%q\t%s\n", e, map[bool]string{true: "accept", false: "reject"}[accepted(e)])
	}
	for i := 0; i < 600; i++ {
		e := randomExpr(r)
		fmt.Printf("V\t%q\t%s\n", e, map[bool]string{true: "accept", false: "reject"}[accepted(e)])
	}
	// Small edits of accepted schedules: the edges of both grammars.
	pieces := []string{",", "-", "/", "*", "?", "+", "0", "7", "1", "5", "60", "mon", "JAN", "sun", " ", "\t",
		"\n", "\v", "\r", "?,", "*,", ",?", "L", "#", "@"}
	for i := 0; i < 1500; i++ {
		base := handPicked[r.Intn(40)]
		b := []byte(base)
		pos := r.Intn(len(b) + 1)
		piece := pieces[r.Intn(len(pieces))]
		var e string
		switch r.Intn(3) {
		case 0: // insert
			e = string(b[:pos]) + piece + string(b[pos:])
		case 1: // replace one byte
			if pos == len(b) {
				pos--
			}
			e = string(b[:pos]) + piece + string(b[pos+1:])
		default: // delete one byte
			if pos == len(b) {
				pos--
			}
			e = string(b[:pos]) + string(b[pos+1:])
		}
		fmt.Printf("V\t%q\t%s\n", e, map[bool]string{true: "accept", false: "reject"}[accepted(e)])
	}
	for _, z := range zones {
		loc, err := time.LoadLocation(z)
		if err != nil {
			panic(err)
		}
		// Around every transition of a few years (one day before), and at random instants up to 2045
		// (past the zoneinfo tables' 2037 end: the footer rule applies).
		var transitions []time.Time
		prev := time.Date(2010, 1, 1, 0, 0, 0, 0, loc)
		_, prevOff := prev.Zone()
		for t := prev; t.Year() < 2026; t = t.Add(time.Hour) {
			if _, off := t.Zone(); off != prevOff {
				transitions = append(transitions, t)
				prevOff = off
			}
		}
		for _, tr := range transitions {
			if r.Intn(3) != 0 {
				continue
			}
			expr := nextExprs[r.Intn(len(nextExprs))]
			emitNext(loc, tr.Add(-time.Duration(r.Intn(36*3600))*time.Second), expr, 6)
		}
		for i := 0; i < 12; i++ {
			after := time.Unix(946684800+r.Int63n(1420070400), 0) // 2000..2045
			emitNext(loc, after, nextExprs[r.Intn(len(nextExprs))], 4)
		}
		for i := 0; i < 8; i++ {
			e := randomExpr(r)
			if accepted(e) {
				emitNext(loc, time.Unix(1577836800+r.Int63n(400000000), 0), e, 4)
			}
		}
	}
}
