package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Listener receives what DB.Listen hears on its channel.
type Listener interface {
	// Listening is called with true once the channel is listened to, and with false (and the
	// reason) when the connection is lost; notifications sent meanwhile are lost.
	Listening(on bool, err error)
	// Notify is called with the payload of each notification, in the order they were committed.
	Notify(payload string)
}

// listenRetry is how long Listen waits before it connects again after losing its connection.
const listenRetry = time.Second

// Listen listens to channel (LISTEN/NOTIFY) on a connection of its own, as the application role,
// until ctx ends, reconnecting after a second whenever the connection is lost. It takes no
// connection from the pool.
func (db *DB) Listen(ctx context.Context, channel string, l Listener) {
	for ctx.Err() == nil {
		err := db.listenOnce(ctx, channel, l)
		if ctx.Err() != nil {
			l.Listening(false, ctx.Err())
			return
		}
		l.Listening(false, err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(listenRetry):
		}
	}
}

// listenOnce connects, listens and hands notifications to l until the connection fails.
func (db *DB) listenOnce(ctx context.Context, channel string, l Listener) error {
	conn, err := pgx.ConnectConfig(ctx, db.app.Config().ConnConfig.Copy())
	if err != nil {
		return fmt.Errorf("postgres: listen: connect: %w", err)
	}
	defer func() { _ = conn.Close(context.WithoutCancel(ctx)) }()
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{channel}.Sanitize()); err != nil {
		return fmt.Errorf("postgres: listen %s: %w", channel, err)
	}
	l.Listening(true, nil)
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return fmt.Errorf("postgres: listen %s: %w", channel, err)
		}
		l.Notify(n.Payload)
	}
}
