import { addressBucket } from '../../src/limits/address-bucket.ts';

describe('address bucket for sign-in limits', () => {
  test('IPv4 addresses count as themselves, also when mapped into IPv6', () => {
    expect(addressBucket('203.0.113.7')).toBe('203.0.113.7');
    expect(addressBucket('::ffff:203.0.113.7')).toBe('203.0.113.7');
  });

  test('IPv6 addresses count by their /64, however they are written', () => {
    const bucket = '2001:db8:0:12::/64';
    expect(addressBucket('2001:db8:0:12::1')).toBe(bucket);
    expect(addressBucket('2001:0DB8:0000:0012:abcd:ef01:2345:6789')).toBe(bucket);
    expect(addressBucket('2001:db8:0:12:1::')).toBe(bucket);
    expect(addressBucket('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(addressBucket('::1')).toBe('0:0:0:0::/64');
    expect(addressBucket('2001:db8:0:13::1')).not.toBe(bucket);
  });

  test('anything else is used as is', () => {
    expect(addressBucket('unknown')).toBe('unknown');
  });
});
