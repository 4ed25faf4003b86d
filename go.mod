module github.com/cairn-audit/cairn

go 1.26.8
