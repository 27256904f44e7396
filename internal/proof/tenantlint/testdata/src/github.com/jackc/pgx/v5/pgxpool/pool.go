// Package pgxpool is a stand-in for github.com/jackc/pgx/v5/pgxpool.
package pgxpool

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

type Config struct{}

func ParseConfig(connString string) (*Config, error) { return &Config{}, nil }

type Pool struct{}

func New(ctx context.Context, connString string) (*Pool, error)     { return &Pool{}, nil }
func NewWithConfig(ctx context.Context, cfg *Config) (*Pool, error) { return &Pool{}, nil }
func (p *Pool) Acquire(ctx context.Context) (*Conn, error)          { return &Conn{}, nil }
func (p *Pool) Begin(ctx context.Context) (pgx.Tx, error)           { return nil, nil }
func (p *Pool) Close()                                              {}
func (p *Pool) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	return pgconn.CommandTag{}, nil
}
func (p *Pool) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) { return nil, nil }

type Conn struct{}

func (c *Conn) Release() {}
