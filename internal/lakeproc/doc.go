// Package lakeproc runs the Lake's DuckDB engine (lakedb.DB) in a child
// process of cairn and implements lake.Engine over a socket to it.
//
// The child bounds itself when it starts: its address space (RLIMIT_AS) is
// the Lake's memory limit plus a fixed margin, so whatever a user statement
// makes DuckDB allocate, an allocation past the bound fails inside the
// child (DuckDB fails the query, or the child dies) and the server's memory
// is never at stake. The parent supervises the child: a cancelled or timed
// out call that has not stopped within Options.KillGrace has its child
// killed, and a child that died is started again on the next call. See
// docs/LAKE.md, "Limits".
package lakeproc
