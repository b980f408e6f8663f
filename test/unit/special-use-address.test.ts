import { isSpecialUseAddress } from '../../src/http/special-use-address.ts';

test.each(['127.0.0.1', '10.0.0.1', '169.254.169.254', '::1', '[::1]', '::ffff:127.0.0.1', '::ffff:7f00:1', '[::ffff:7f00:1]', '::ffff:a00:1', '::FFFF:A9FE:A9FE', 'fc00::1', 'fe80::1', '0.0.0.0'])('%s is special-use', (address) => {
  expect(isSpecialUseAddress(address)).toBe(true);
});

test.each(['8.8.8.8', '2001:4860:4860::8888', '::ffff:808:808', 'example.com', 'localhost'])('%s is not (a public address, or a name)', (address) => {
  expect(isSpecialUseAddress(address)).toBe(false);
});
