package loginrelay

import (
	"encoding/binary"
	"strconv"
)

// mysqlParser reads MySQL packets (3-byte little-endian length, sequence
// number, payload) from the server until the login's verdict.
type mysqlParser struct {
	r       *Relay
	buf     []byte // bytes of an incomplete packet
	greeted bool   // the greeting (protocol 10 handshake) has been seen
}

const (
	mysqlOK  = 0x00
	mysqlERR = 0xff
)

func (p *mysqlParser) feed(b []byte) bool {
	p.buf = append(p.buf, b...)
	for len(p.buf) >= 4 {
		n := int(p.buf[0]) | int(p.buf[1])<<8 | int(p.buf[2])<<16
		if len(p.buf) < 4+n {
			return false
		}
		payload := p.buf[4 : 4+n]
		p.buf = p.buf[4+n:]
		if n == 0 {
			continue
		}
		switch {
		case payload[0] == mysqlERR:
			code := "ERR"
			if n >= 3 {
				code = strconv.Itoa(int(binary.LittleEndian.Uint16(payload[1:3])))
			}
			p.r.record(false, code)
			return true
		case !p.greeted:
			p.greeted = true
		case payload[0] == mysqlOK:
			p.r.record(true, "")
			return true
		}
		// 0xfe (auth switch) and 0x01 (more auth data) continue the login.
	}
	return false
}
