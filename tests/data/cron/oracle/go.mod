module fedmetrics/cron-oracle

go 1.22

require (
	github.com/adhocore/gronx v1.6.3
	github.com/robfig/cron/v3 v3.0.1
)
