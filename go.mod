module github.com/zvfs/zvfs

go 1.26.0

require (
	github.com/hanwen/go-fuse/v2 v2.12.1
	github.com/spf13/afero v1.15.0
	golang.org/x/arch v0.33.0
	golang.org/x/sys v0.50.0
)

require golang.org/x/text v0.28.0 // indirect
