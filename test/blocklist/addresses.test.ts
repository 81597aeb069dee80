// Which addresses the blocklist watch checks: the public ones of the interfaces and of the MTA
// configuration, or exactly those configured.
import { describe, expect, it } from 'vitest';
import type { NetworkInterfaceInfo } from 'node:os';
import { boundAddresses } from '../../src/advise/audit/bind-addresses.ts';
import { isPublicAddress, publicAddresses } from '../../src/blocklist/dnsbl.ts';

const iface = (address: string, internal = false) =>
  ({ address, internal, family: address.includes(':') ? 'IPv6' : 'IPv4', netmask: '', mac: '', cidr: null }) as NetworkInterfaceInfo;

const INTERFACES = {
  lo: [iface('127.0.0.1', true), iface('::1', true)],
  eth0: [iface('10.1.2.3'), iface('93.184.216.34'), iface('fe80::1'), iface('2a00:1450:4001:80b::200e')],
  eth1: [iface('100.64.0.7'), iface('172.20.0.1'), iface('192.168.1.1'), iface('169.254.3.4'), iface('fd00::5')],
  doc: [iface('192.0.2.10'), iface('198.51.100.1'), iface('203.0.113.9'), iface('2001:db8::1')],
};

describe('public addresses', () => {
  it('keeps only routable addresses of the interfaces, then the extra ones, each once', () => {
    expect(publicAddresses(undefined, ['93.184.216.34', '198.18.0.1', '8.8.4.4', 'mail.example'], INTERFACES)).toEqual([
      '93.184.216.34',
      '2a00:1450:4001:80b::200e',
      '8.8.4.4',
    ]);
  });

  it('a configured list is taken as given, and an empty one counts as none', () => {
    expect(publicAddresses(['192.0.2.1', '192.0.2.1', '2001:db8::2'], ['8.8.4.4'], INTERFACES)).toEqual(['192.0.2.1', '2001:db8::2']);
    expect(publicAddresses([], [], INTERFACES)).toEqual(['93.184.216.34', '2a00:1450:4001:80b::200e']);
    expect(() => publicAddresses(['mail.example'], [], INTERFACES)).toThrow(/blocklist addresses: 'mail.example' is not an IP address/);
  });

  it('documentation, private, shared and link-local ranges are not public', () => {
    for (const a of ['192.0.2.1', '198.51.100.1', '203.0.113.1', '2001:db8::1', '10.0.0.1', '100.127.255.255', '127.0.0.2', 'fe80::1', 'fc00::1', '::1'])
      expect(isPublicAddress(a), a).toBe(false);
    for (const a of ['100.128.0.1', '172.32.0.1', '2a01::1', '1.1.1.1']) expect(isPublicAddress(a), a).toBe(true);
  });
});

describe('the MTA configuration\'s own addresses', () => {
  it('Postfix: bind addresses, inet_interfaces, master.cf overrides and host:port services; no names', () => {
    const main = ['smtp_bind_address = $out4', 'out4 = 93.184.216.34', 'smtp_bind_address6 = 2a00:1450::25', 'inet_interfaces = 127.0.0.1, mail.example, 93.184.216.35'].join('\n');
    const master = ['203.0.113.25:smtp inet n - y - - smtpd', 'relay2 unix - - y - - smtp', '  -o smtp_bind_address=198.51.100.7'].join('\n');
    expect(boundAddresses({ postfix: { main, master } })).toEqual(['93.184.216.34', '2a00:1450::25', '127.0.0.1', '93.184.216.35', '203.0.113.25', '198.51.100.7']);
    expect(boundAddresses({ postfix: { main: 'inet_interfaces = all' } })).toEqual([]);
  });

  it('Exim: local_interfaces with ports, and the interface of smtp transports', () => {
    const text = [
      'local_interfaces = <; 127.0.0.1 ; 93.184.216.34.25 ; [2a00:1450::25]:587',
      'begin transports',
      'remote_smtp:',
      '  driver = smtp',
      '  interface = <; 198.51.100.3 ; ${if eq{1}{1}{203.0.113.1}}',
    ].join('\n');
    expect(boundAddresses({ exim: { text } })).toEqual(['127.0.0.1', '93.184.216.34', '2a00:1450::25', '198.51.100.3']);
  });
});
