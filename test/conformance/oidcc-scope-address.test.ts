import { describeUnsupportedScopeModule } from '../support/conformance-unsupported-scope.ts';

/**
 * OIDF conformance, Basic OP plan (oidcc-basic-certification-test-plan) and Form Post OP plan
 * (oidcc-formpost-basic-certification-test-plan), module oidcc-scope-address (OIDCCScopeAddress, "OP-scope-address"):
 * scope="openid address" (SetScopeInClientConfigurationToOpenIdAddress). In configure, before any
 * request, OIDCCCheckScopesSupportedContainScopeTest (INFO) skips the module when scopes_supported lacks one of
 * the scopes, which the suite accepts for certification. Portcullis has no address claims and does not
 * list the scope, so the module is a skip in both plans (the skip does not depend on the response
 * mode). Beyond the module, the test shows that a client asking for the scope anyway still completes
 * the flow in both modes: the unknown scope is left out of the grant and no such claims are released.
 */
describeUnsupportedScopeModule({ scope: 'openid address', unsupported: ['address'], granted: 'openid' });
