package node

import (
	"context"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/auth"
	"github.com/cairn-audit/cairn/internal/gateway"
	"github.com/cairn-audit/cairn/internal/recorder"
	"github.com/cairn-audit/cairn/internal/server"
)

// frontDoor builds the recorder, settles the calls a crash left unsettled
// (before any call is taken), and builds the front door with its gateway.
//
// The gateway answers failed authentications the front door's way
// (server.Server.AuthFailed), and the front door hands the gateway the
// calls it routes. Construction order resolves that cycle: AuthFailed
// uses only the verifier, recorder and failed-authentication bounds, so a
// first server on those (no services, no gateway) answers the gateway's
// failures; the front door is then built on the same AuthFailures with
// the gateway. Both record failures through the one AuthFailures.
func (n *Node) frontDoor(ctx context.Context, services []api.Service) error {
	cfg, b := n.cfg, n.b
	rec := recorder.New(b.Log, nil)
	if err := settleInterrupted(ctx, b.Events, rec, storeOwners(recoveryStores{ids: b.Identity, trails: n.trails, objects: b.Objects,
		channels: n.channels, lake: n.lake.lake, s3: n.s3}), n.logger); err != nil {
		return err
	}
	aopts := auth.DefaultOptions()
	aopts.ExtraRegions = cfg.ExtraRegions
	verifier := auth.NewVerifier(auth.FromIdentity(b.Identity), aopts)
	n.authFailures = server.NewAuthFailures(rec, server.AuthFailureOptions{Logger: n.logger})
	refusals := server.New(server.Options{Verifier: verifier, Recorder: rec, AuthFailures: n.authFailures, Logger: n.logger})
	gw, err := n.openGateway(services, verifier, rec, refusals.AuthFailed)
	if err != nil {
		return err
	}
	sopts := server.Options{Verifier: verifier, Recorder: rec, Services: services, Logger: n.logger, AuthFailures: n.authFailures}
	if gw != nil { // a nil *Gateway must not become a non-nil server.Gateway
		n.gw, sopts.Gateway = gw, gw
	}
	n.front = server.New(sopts)
	return nil
}

// openGateway builds the recording gateway for the --upstream routes (nil
// when there are none). The services stay local unless a route names
// them; so does cloudtrail-data, which belongs to Cairn.
func (n *Node) openGateway(services []api.Service, verifier *auth.Verifier, rec *recorder.Recorder, authFailed gateway.AuthFailedFunc) (*gateway.Gateway, error) {
	cfg, d := n.cfg, DataDir(n.cfg.DataDir)
	if len(cfg.Upstreams) == 0 {
		return nil, nil
	}
	local := map[string]bool{"cloudtrail-data": true}
	for _, s := range services {
		local[s.SigningName()] = true
	}
	gw, err := gateway.New(gateway.Options{
		Routes: cfg.Upstreams, Local: local, Verifier: verifier, Recorder: rec, AuthFailed: authFailed,
		DefaultAccount: n.b.Root.AccountID, SpillDir: d.GatewaySpill(), SpoolDir: d.GatewayBodies(),
		PassthroughUnknownKeys: cfg.UpstreamPassthrough, Logger: n.logger,
		DialTimeout: cfg.UpstreamDeadlines.Connect, ResponseHeaderTimeout: cfg.UpstreamDeadlines.Header, StallTimeout: cfg.UpstreamDeadlines.Stall,
	})
	if err != nil {
		return nil, err
	}
	for _, svc := range []string{"s3", "iam", "sts"} {
		if _, ok := cfg.Upstreams[svc]; ok && local[svc] {
			n.logger.Warn("a service Cairn serves goes upstream", "service", svc, "upstream", cfg.Upstreams[svc])
		}
	}
	if cfg.UpstreamPassthrough {
		n.logger.Warn("requests signed with access keys Cairn does not know are forwarded unverified (--upstream-passthrough-unknown-keys)")
	}
	return gw, nil
}
