package apitest

import (
	"net"
	"net/http"
)

// From returns a view of the server whose requests come from the loopback address ip (such as
// "127.0.0.2": all of 127.0.0.0/8 is local on Linux), so the service sees another client address,
// as it would for two people on two networks.
func (s *Server) From(ip string) *Server {
	view := *s
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	view.client = &http.Client{Transport: &http.Transport{DialContext: dialer.DialContext}}
	return &view
}
