package dnsproxy

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"

	"github.com/miekg/dns"
)

// The fast path answers cache hits straight from the wire: it reads the few
// fields of a plain query it needs, copies a reply packed once per cache
// entry, and patches the ID, the RD and CD bits, the TTLs and the OPT record.
// It produces the same reply as the full path (unpack, answer, pack);
// anything unusual goes to the full path instead.

const headerLen = 12

// wireQuery is what the fast path reads from a query packet.
type wireQuery struct {
	id      [2]byte
	rd, cd  bool
	qname   []byte // wire form, within the packet
	key     cacheKey
	edns    bool
	udpSize uint16
}

// parseQuery accepts only a plain query: QR and TC clear, opcode QUERY, one
// question with an uncompressed name in the simple character set, no answer
// or authority records, and at most an OPT record of EDNS version 0 as the
// only additional record.
func parseQuery(b []byte) (wireQuery, bool) {
	var q wireQuery
	if len(b) < headerLen || b[2]&0xFA != 0 {
		return q, false
	}
	qd, an, ns, ar := be16(b[4:]), be16(b[6:]), be16(b[8:]), be16(b[10:])
	if qd != 1 || an != 0 || ns != 0 || ar > 1 {
		return q, false
	}
	name, off, ok := presentName(b, headerLen)
	if !ok || len(b) < off+4 {
		return q, false
	}
	q.id = [2]byte{b[0], b[1]}
	q.rd, q.cd = b[2]&0x01 != 0, b[3]&0x10 != 0
	q.qname = b[headerLen:off]
	q.key = cacheKey{name: name, qtype: be16(b[off:]), class: be16(b[off+2:]), cd: q.cd}
	off += 4
	if ar == 1 {
		// OPT: root name, type, class = payload size, extended RCODE,
		// version, flags, RDLENGTH and the options.
		if len(b) < off+11 || b[off] != 0 || be16(b[off+1:]) != dns.TypeOPT || b[off+6] != 0 {
			return q, false
		}
		q.edns = true
		q.udpSize = be16(b[off+3:])
		q.key.do = b[off+7]&0x80 != 0
		end := off + 11 + int(be16(b[off+9:]))
		if end != len(b) || !plainOptions(b[off+11:end]) {
			return q, false
		}
		off = end
	}
	return q, off == len(b)
}

// plainOptions reports whether the EDNS options are only cookies and
// padding, well formed. A cached answer depends on neither, and neither can
// make the full path's parser fail; any other option (client subnet, for
// one, which it validates) goes to the full path.
func plainOptions(b []byte) bool {
	for len(b) > 0 {
		if len(b) < 4 {
			return false
		}
		code, n := be16(b), int(be16(b[2:]))
		if (code != dns.EDNS0COOKIE && code != dns.EDNS0PADDING) || 4+n > len(b) {
			return false
		}
		b = b[4+n:]
	}
	return true
}

// presentName reads the uncompressed name at off and returns it lowercased
// in presentation form (the cache key's form) and the offset after it. Names
// with bytes that presentation form would escape are refused.
func presentName(b []byte, off int) (string, int, bool) {
	var sb strings.Builder
	sb.Grow(64)
	for {
		if off >= len(b) {
			return "", 0, false
		}
		l := int(b[off])
		off++
		if l == 0 {
			break
		}
		if l > 63 || off+l > len(b) || off-headerLen > 255 {
			return "", 0, false
		}
		for _, c := range b[off : off+l] {
			switch {
			case c >= 'A' && c <= 'Z':
				sb.WriteByte(c + 'a' - 'A')
			case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '_':
				sb.WriteByte(c)
			default:
				return "", 0, false
			}
		}
		sb.WriteByte('.')
		off += l
	}
	if sb.Len() == 0 {
		sb.WriteByte('.')
	}
	return sb.String(), off, true
}

// wireAnswer is a reply packed once from a cache entry: ID zero, RD and CD
// clear, the question in lowercase, no OPT record.
type wireAnswer struct {
	msg   []byte
	ttls  []int    // offsets of the records' TTL fields
	base  []uint32 // the TTLs as stored
	qname int      // length of the question name
}

// packAnswer packs m (the caller's copy) as the full path would answer a
// request for k without EDNS.
func packAnswer(m *dns.Msg, k cacheKey) (*wireAnswer, error) {
	req := &dns.Msg{Question: []dns.Question{{Name: k.name, Qtype: k.qtype, Qclass: k.class}}}
	finish(req, m, false)
	m.Compress = true
	b, err := m.Pack()
	if err != nil {
		return nil, err
	}
	w := &wireAnswer{msg: b}
	off, err := skipName(b, headerLen)
	if err != nil {
		return nil, err
	}
	w.qname = off - headerLen
	off += 4
	records := int(be16(b[6:])) + int(be16(b[8:])) + int(be16(b[10:]))
	for range records {
		if off, err = skipName(b, off); err != nil {
			return nil, err
		}
		if off+10 > len(b) {
			return nil, errors.New("dnsproxy: short record")
		}
		w.ttls = append(w.ttls, off+4)
		w.base = append(w.base, binary.BigEndian.Uint32(b[off+4:]))
		off += 10 + int(be16(b[off+8:]))
	}
	if off != len(b) {
		return nil, errors.New("dnsproxy: packed answer has trailing bytes")
	}
	return w, nil
}

// skipName returns the offset after the possibly compressed name at off.
func skipName(b []byte, off int) (int, error) {
	for off < len(b) {
		l := int(b[off])
		switch {
		case l == 0:
			return off + 1, nil
		case l&0xC0 == 0xC0:
			return off + 2, nil
		case l&0xC0 != 0:
			return 0, errors.New("dnsproxy: unknown label type")
		}
		off += 1 + l
	}
	return 0, errors.New("dnsproxy: name runs past the message")
}

// render writes the reply to q into dst, with every TTL reduced by age. It
// reports false when the reply would not fit the client's UDP payload size,
// which the full path answers with truncation, and when the question's letter
// case differs from the cached lowercase one: miekg/dns compresses names case
// sensitively, so the full path's reply could differ in size.
func (w *wireAnswer) render(dst []byte, q *wireQuery, age uint32) ([]byte, bool) {
	limit := dns.MinMsgSize
	if q.edns {
		limit = max(int(q.udpSize), dns.MinMsgSize)
	}
	n := len(w.msg)
	if q.edns {
		n += 11
	}
	if n > limit || !bytes.Equal(q.qname, w.msg[headerLen:headerLen+w.qname]) {
		return nil, false
	}
	out := append(dst[:0], w.msg...)
	out[0], out[1] = q.id[0], q.id[1]
	if q.rd {
		out[2] |= 0x01
	}
	if q.cd {
		out[3] |= 0x10
	}
	for i, off := range w.ttls {
		binary.BigEndian.PutUint32(out[off:], w.base[i]-min(w.base[i], age))
	}
	if q.edns {
		var do byte
		if q.key.do {
			do = 0x80
		}
		binary.BigEndian.PutUint16(out[10:], be16(out[10:])+1)
		out = append(out, 0, byte(dns.TypeOPT>>8), byte(dns.TypeOPT), ednsSize>>8, ednsSize&0xFF, 0, 0, do, 0, 0, 0)
	}
	return out, true
}

func be16(b []byte) uint16 { return binary.BigEndian.Uint16(b) }
