import { describeUnsupportedScopeModule } from '../support/conformance-unsupported-scope.ts';

/**
 * OIDF conformance, Basic OP plan (oidcc-basic-certification-test-plan) and Form Post OP plan
 * (oidcc-formpost-basic-certification-test-plan), module oidcc-scope-all (OIDCCScopeAll, "OP-scope-all"):
 * scope="openid email phone address profile" (SetScopeInClientConfigurationToOpenIdEmailPhoneAddressProfile).
 * In configure, before any request, OIDCCCheckScopesSupportedContainScopeTest (INFO) skips the module
 * when scopes_supported lacks one of the scopes, which the suite accepts for certification. Portcullis
 * has no phone or address claims and does not list those scopes, so the module is a skip in both
 * plans (the skip does not depend on the response mode). Beyond the module, the test shows that a
 * client asking for all of them anyway still completes the flow in both modes: the unknown scopes are
 * left out of the grant, no such claims are released, and email and profile are granted.
 */
describeUnsupportedScopeModule({ scope: 'openid email phone address profile', unsupported: ['phone', 'address'], granted: 'openid email profile' });
