package firewall

import (
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"github.com/google/nftables/userdata"
)

// tableName is Palisade's one nftables table; nothing else is touched.
const tableName = "palisade"

// chainPriority runs our base chains at the standard filter priority,
// after conntrack (-200) so ct state works. Any drop or reject in any
// base chain is final, so other tables accepting a packet cannot undo our
// reject, and our accepts cannot undo theirs.
var chainPriority = nftables.ChainPriorityFilter

type nftBackend struct {
	log  *slog.Logger
	opts []nftables.ConnOption
	// cgroup resolves split tunnel groups; tests point it elsewhere.
	cgroup func(rel string) (uint32, uint64, error)

	mu sync.Mutex
	// conn is kept open: closing a netlink socket after a table delete
	// waits for the kernel's deferred cleanup (an RCU grace period), which
	// would cost more than the whole replacement.
	conn *nftables.Conn
	// want is how many rules the last Apply installed, and sum the
	// digest of its chains and rules and setSum of its sets as read back
	// (readBack), for Inspect.
	want        int
	sum, setSum string
	// last is the installed policy and shape the same with its sets
	// emptied (setShape); valid only while installed is set.
	last, shape Policy
	installed   bool
}

// New returns the nftables backend, which talks netlink directly. stateDir
// is not needed: the table itself is the record of what is installed.
func New(log *slog.Logger, stateDir string) (Backend, error) {
	return newNFT(log), nil
}

func newNFT(log *slog.Logger, opts ...nftables.ConnOption) *nftBackend {
	return &nftBackend{log: log, opts: opts, cgroup: hostCgroup}
}

// do runs f with the lasting connection, dropping the connection after a
// failure so the next call starts from a fresh socket.
func (b *nftBackend) do(f func(c *nftables.Conn) error) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.conn == nil {
		c, err := nftables.New(append(b.opts, nftables.AsLasting())...)
		if err != nil {
			return fmt.Errorf("nftables: %w", err)
		}
		b.conn = c
	}
	err := f(b.conn)
	if err != nil {
		// What is installed is unknown now: the next Apply replaces it all.
		b.closeLocked()
		b.installed = false
	}
	return err
}

// applySets installs p by replacing the elements of its named sets, when
// that is all that differs from the installed policy; done is false when a
// full replacement is needed: another shape, the same policy again (which
// repairs a table changed behind our back), or a failed update (the table
// may be gone).
func (b *nftBackend) applySets(p Policy) (done bool, err error) {
	shape := setShape(p)
	sets := p.sets()
	err = b.do(func(c *nftables.Conn) error {
		if !b.installed || len(sets) == 0 || !reflect.DeepEqual(shape, b.shape) || reflect.DeepEqual(p, b.last) {
			return nil
		}
		for _, s := range sets {
			els, err := setElements(s.elems)
			if err != nil {
				return fmt.Errorf("nftables: set %s: %w", s.name, err)
			}
			set := ipSet(b.table(), s.family, s.name)
			c.FlushSet(set)
			if len(els) > 0 {
				if err := c.SetAddElements(set, els); err != nil {
					return fmt.Errorf("nftables: set %s: %w", s.name, err)
				}
			}
		}
		if err := c.Flush(); err != nil {
			return fmt.Errorf("nftables: updating sets of table %s: %w", tableName, err)
		}
		// Only the sets changed: their digest alone is read again.
		sum, err := setsSum(c, b.table())
		if err != nil {
			return err
		}
		b.last, b.setSum, done = p, sum, true
		return nil
	})
	if err != nil {
		b.log.Warn("firewall sets update failed; replacing the table", "backend", "nftables", "err", err)
		return false, nil
	}
	if done {
		b.log.Info("firewall sets updated", "backend", "nftables", "engaged", p.Engaged, "why", p.Why, "sets", setsText(sets))
	}
	return done, nil
}

func (b *nftBackend) closeLocked() {
	if b.conn != nil {
		b.conn.CloseLasting()
		b.conn = nil
	}
}

func (b *nftBackend) table() *nftables.Table {
	return &nftables.Table{Name: tableName, Family: nftables.TableFamilyINet}
}

// Apply deletes our table (if any) and builds the new one in a single
// netlink batch, so there is no moment without rules. When only the
// contents of named sets changed (the bootstrap permit opening or closing
// for an endpoint lookup), it replaces those sets' elements instead, also
// in one batch.
func (b *nftBackend) Apply(p Policy) error {
	if done, err := b.applySets(p); done || err != nil {
		return err
	}
	nrules := 0
	err := b.do(func(c *nftables.Conn) error {
		t := b.table()
		// Adding first makes the delete valid whether or not the table exists.
		c.AddTable(t)
		c.DelTable(t)
		if !p.Empty() {
			c.AddTable(t)
			r := nftRenderer{conn: c, table: t, sets: map[string]*nftables.Set{}, cgroup: b.cgroup}
			for _, ch := range p.chains() {
				if err := r.chain(ch); err != nil {
					return err
				}
			}
			if p.Split != nil {
				if err := r.split(p.Split); err != nil {
					return err
				}
			}
			nrules = r.rules
		}
		if err := c.Flush(); err != nil {
			return fmt.Errorf("nftables: replacing table %s: %w", tableName, err)
		}
		// Read back as the kernel holds it, so Inspect compares like
		// with like.
		_, sum, sets, err := readBack(c)
		if err != nil {
			return err
		}
		b.want, b.sum, b.setSum = nrules, sum, sets
		b.last, b.shape, b.installed = p, setShape(p), !p.Empty()
		return nil
	})
	if err != nil {
		return err
	}
	b.log.Info("firewall applied", "backend", "nftables", "engaged", p.Engaged, "why", p.Why, "rules", nrules)
	return nil
}

// Remove deletes the palisade table and nothing else.
func (b *nftBackend) Remove() error {
	err := b.do(func(c *nftables.Conn) error {
		c.AddTable(b.table())
		c.DelTable(b.table())
		if err := c.Flush(); err != nil {
			return fmt.Errorf("nftables: removing table %s: %w", tableName, err)
		}
		b.want, b.installed = 0, false
		return nil
	})
	if err != nil {
		return err
	}
	b.log.Info("firewall removed", "backend", "nftables")
	return nil
}

// Show lists the installed rules by the comments they carry, with their
// packet counters.
func (b *nftBackend) Show() (string, error) {
	var sb strings.Builder
	err := b.do(func(c *nftables.Conn) error {
		tables, err := c.ListTablesOfFamily(nftables.TableFamilyINet)
		if err != nil {
			return fmt.Errorf("nftables: %w", err)
		}
		i := slices.IndexFunc(tables, func(t *nftables.Table) bool { return t.Name == tableName })
		if i < 0 {
			sb.WriteString("no palisade table\n")
			return nil
		}
		fmt.Fprintf(&sb, "table inet %s\n", tableName)
		chains, err := c.ListChainsOfTableFamily(nftables.TableFamilyINet)
		if err != nil {
			return fmt.Errorf("nftables: %w", err)
		}
		for _, name := range append([]string{"output", "input", "forward"}, splitChains...) {
			if !slices.ContainsFunc(chains, func(ch *nftables.Chain) bool { return ch.Table.Name == tableName && ch.Name == name }) {
				continue
			}
			rules, err := c.GetRules(tables[i], &nftables.Chain{Name: name, Table: tables[i]})
			if err != nil {
				return fmt.Errorf("nftables: listing chain %s: %w", name, err)
			}
			fmt.Fprintf(&sb, "%s:\n", name)
			for _, r := range rules {
				comment, _ := userdata.GetString(r.UserData, userdata.TypeComment)
				fmt.Fprintf(&sb, "  %-8d %s\n", packets(r), comment)
			}
		}
		return nil
	})
	return sb.String(), err
}

func packets(r *nftables.Rule) uint64 {
	for _, e := range r.Exprs {
		if c, ok := e.(*expr.Counter); ok {
			return c.Packets
		}
	}
	return 0
}
