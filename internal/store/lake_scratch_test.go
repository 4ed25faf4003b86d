package store

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/lake"
)

func TestScratch(t *testing.T) {
	l, err := OpenLake(LakeOptions{Dir: t.TempDir(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ctx := context.Background()
	base := ctRow(t, storeA, lakeNow, call{service: "s3", name: "PutObject", user: "bob", params: map[string]any{"bucketName": "b", "pad": string(make([]byte, 700))}})
	for b := 0; b < 30; b++ {
		rows := make([]lake.Row, 50000)
		for i := range rows {
			rows[i] = base
			rows[i].EventID = fmt.Sprintf("e%d-%d", b, i)
			rows[i].Time = lakeNow.Add(time.Duration(b*50000+i) * time.Second)
		}
		if err := l.Append(ctx, rows, nil); err != nil {
			t.Fatal(err)
		}
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		rss, _ := residentBytes()
		var mem string
		l.db.QueryRowContext(ctx, "SELECT sum(memory_usage_bytes) // 1048576 FROM duckdb_memory()").Scan(&mem)
		fmt.Printf("batch %d rss %d MB goheap %d MB gosys %d MB duckdb %s MB\n", b, rss>>20, ms.HeapAlloc>>20, ms.Sys>>20, mem)
	}
}
