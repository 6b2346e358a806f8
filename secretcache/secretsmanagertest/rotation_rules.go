package secretsmanagertest

import (
	"fmt"
	"regexp"
	"time"
)

// rotationRules is the RotationRules structure of RotateSecret, stored as
// given and returned by DescribeSecret and ListSecrets.
type rotationRules struct {
	AutomaticallyAfterDays *int64  `json:"AutomaticallyAfterDays,omitempty"`
	Duration               *string `json:"Duration,omitempty"`
	ScheduleExpression     *string `json:"ScheduleExpression,omitempty"`
}

// The model's patterns, anchored because the service matches whole values.
var (
	durationPattern = regexp.MustCompile(`^(?:[0-9]+h)$`)
	schedulePattern = regexp.MustCompile(`^(?:[0-9A-Za-z\(\)#\?\*\-\/, ]+)$`)
	ratePattern     = regexp.MustCompile(`^rate\(([0-9]+) (hours?|days?)\)$`)
)

// check records the model's constraints on the rules.
func (r *rotationRules) check(c *checks) {
	if r == nil {
		return
	}
	c.between("rotationRules.automaticallyAfterDays", r.AutomaticallyAfterDays, 1, 1000)
	c.length("rotationRules.duration", r.Duration, 2, 3)
	c.pattern("rotationRules.duration", r.Duration, durationPattern, "[0-9]+h")
	c.length("rotationRules.scheduleExpression", r.ScheduleExpression, 1, 256)
	c.pattern("rotationRules.scheduleExpression", r.ScheduleExpression, schedulePattern, `[0-9A-Za-z\(\)#\?\*\-\/, ]+`)
}

// validate applies the rules the model cannot express, once the model's
// constraints hold.
func (r *rotationRules) validate() error {
	if r == nil {
		return nil
	}
	if r.AutomaticallyAfterDays != nil && r.ScheduleExpression != nil {
		return errInvalidParameter("You can't specify both AutomaticallyAfterDays and ScheduleExpression in RotationRules.")
	}
	if r.ScheduleExpression != nil {
		if _, _, err := r.rate(); err != nil {
			return err
		}
	}
	return nil
}

// rate returns the interval of a rate() schedule, or of AutomaticallyAfterDays,
// and whether it counts in days; a zero interval means a cron() schedule.
func (r *rotationRules) rate() (n int64, days bool, err error) {
	if r.AutomaticallyAfterDays != nil {
		return *r.AutomaticallyAfterDays, true, nil
	}
	if r.ScheduleExpression == nil {
		return 0, false, nil
	}
	m := ratePattern.FindStringSubmatch(*r.ScheduleExpression)
	if m == nil {
		return 0, false, nil // cron(): stored, but no date is computed for it
	}
	var v int64
	if _, err := fmt.Sscan(m[1], &v); err != nil || v < 1 {
		return 0, false, errInvalidParameter("The rotation schedule expression %s isn't valid.", *r.ScheduleExpression)
	}
	days = m[2][0] == 'd'
	if !days && v < 4 {
		return 0, false, errInvalidParameter("The rotation schedule expression %s isn't valid: a secret can be rotated at most every four hours.", *r.ScheduleExpression)
	}
	return v, days, nil
}

// described returns the rules as DescribeSecret shows them: a rate() in days
// also reports the interval as AutomaticallyAfterDays, as the service
// calculates it from the schedule.
func (r *rotationRules) described() *rotationRules {
	if r == nil {
		return nil
	}
	out := *r
	if n, days, _ := r.rate(); days && out.AutomaticallyAfterDays == nil {
		out.AutomaticallyAfterDays = &n
	}
	return &out
}

// nextRotation returns the end of the rotation window that follows from:
// the last rotation, or the moment rotation was turned on. The service
// promises to rotate "on or before" that date. A schedule in days opens its
// window at midnight UTC and closes it at the end of the day, or after
// Duration; one in hours opens on the hour and stays open for an hour, or
// Duration. A cron() schedule has no computed date (zero time).
func (r *rotationRules) nextRotation(from time.Time) time.Time {
	if r == nil {
		return time.Time{}
	}
	n, days, err := r.rate()
	if err != nil || n == 0 {
		return time.Time{}
	}
	var open time.Time
	window := time.Hour
	if days {
		open = from.UTC().Truncate(24*time.Hour).AddDate(0, 0, int(n))
		window = 24 * time.Hour
	} else {
		open = from.UTC().Truncate(time.Hour).Add(time.Duration(n) * time.Hour)
	}
	if r.Duration != nil {
		var h int
		if _, err := fmt.Sscanf(*r.Duration, "%dh", &h); err == nil && h > 0 && time.Duration(h)*time.Hour < window {
			window = time.Duration(h) * time.Hour
		}
	}
	return open.Add(window - time.Second)
}
