/**
 * Every captured request event in the fixtures folder goes through handler(lint(echoApp)):
 * environ holds what SPEC §4 says for it, the body arrives byte for byte, and the result has the
 * shape its front end accepts (decodeResult refuses what the front end would answer 502 to).
 */
import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { decodeResult, type EventKindName, handler } from '../../../adapters/aws-lambda/index.js';
import { lint } from '../../../src/middleware/index.js';
import {
  captureLog,
  type Echo,
  echoApp,
  fixturesDir,
  haveFixtures,
  requestFixtures,
  THREE_COOKIES,
} from './_helpers.js';

type Expected = { kind: EventKindName; status?: number } & Record<string, string | number>;

/** What environ must hold for each captured event (fields not listed must be absent). */
const EXPECTED: Record<string, Expected> = {
  'aws-lambda-go--alb-lambda-target-request-headers-only.json': {
    kind: 'alb',
    REQUEST_METHOD: 'GET',
    SCRIPT_NAME: '',
    PATH_INFO: '/',
    QUERY_STRING: 'key=hello',
    SERVER_NAME: 'lambda-test-alb-1334523864.us-east-1.elb.amazonaws.com',
    REMOTE_ADDR: '25.12.198.67',
    CONTENT_LENGTH: '0',
  },
  'aws-lambda-go--alb-lambda-target-request-multivalue-headers.json': {
    kind: 'alb-multi',
    REQUEST_METHOD: 'GET',
    SCRIPT_NAME: '',
    PATH_INFO: '/',
    QUERY_STRING: 'key=hello',
    SERVER_NAME: 'lambda-test-alb-1234567.us-east-1.elb.amazonaws.com',
    REMOTE_ADDR: '72.21.198.67',
    CONTENT_LENGTH: '0',
  },
  'aws-lambda-go--apigw-request.json': {
    kind: 'aws-v1',
    REQUEST_METHOD: 'POST',
    SCRIPT_NAME: '',
    PATH_INFO: '/hello/world',
    QUERY_STRING: 'name=me',
    SERVER_NAME: 'gy415nuibc.execute-api.us-east-1.amazonaws.com',
    REMOTE_ADDR: '192.168.196.186',
    REMOTE_USER: 'admin',
    CONTENT_LENGTH: '13',
  },
  'aws-lambda-go--apigw-v2-request-jwt-authorizer.json': {
    kind: 'aws-v2',
    REQUEST_METHOD: 'GET',
    SCRIPT_NAME: '',
    PATH_INFO: '/my/path',
    QUERY_STRING: 'parameter1=value1&parameter1=value2&parameter2=value',
    SERVER_NAME: 'id.execute-api.us-east-1.amazonaws.com',
    REMOTE_ADDR: 'IP',
    HTTP_COOKIE: 'cookie1; cookie2',
    CONTENT_LENGTH: '13',
  },
  'aws-lambda-go--apigw-v2-request-lambda-authorizer.json': {
    kind: 'aws-v2',
    REQUEST_METHOD: 'GET',
    SCRIPT_NAME: '',
    PATH_INFO: '/my/path',
    QUERY_STRING: 'parameter1=value1&parameter1=value2&parameter2=value',
    SERVER_NAME: 'id.execute-api.us-east-1.amazonaws.com',
    REMOTE_ADDR: 'IP',
    HTTP_COOKIE: 'cookie1; cookie2',
    CONTENT_LENGTH: '13',
  },
  'aws-lambda-go--apigw-v2-request-no-authorizer.json': {
    kind: 'aws-v2',
    REQUEST_METHOD: 'GET',
    SCRIPT_NAME: '',
    PATH_INFO: '/',
    QUERY_STRING: '',
    SERVER_NAME: 'aaaaaaaaaa.execute-api.us-west-2.amazonaws.com',
    REMOTE_ADDR: '1.2.3.4',
    CONTENT_LENGTH: '0',
  },
  'aws-lambda-go--function-url-domain-only-get-request.json': {
    kind: 'function-url',
    REQUEST_METHOD: 'GET',
    SCRIPT_NAME: '',
    PATH_INFO: '/',
    QUERY_STRING: '',
    SERVER_NAME: 'lambda-url-id.lambda-url.us-west-2.on.aws',
    REMOTE_ADDR: '127.0.0.1',
    CONTENT_LENGTH: '0',
  },
  'aws-lambda-go--function-url-domain-only-request-with-base64-encoded-body.json': {
    kind: 'function-url',
    REQUEST_METHOD: 'POST',
    SCRIPT_NAME: '',
    PATH_INFO: '/',
    QUERY_STRING: '',
    SERVER_NAME: 'lambda-url-id.lambda-url.us-west-2.on.aws',
    REMOTE_ADDR: '127.0.0.1',
    CONTENT_LENGTH: '6',
  },
  'aws-lambda-go--function-url-request-with-headers-and-cookies-and-text-body.json': {
    kind: 'function-url',
    REQUEST_METHOD: 'POST',
    SCRIPT_NAME: '',
    PATH_INFO: '/hello',
    QUERY_STRING: 'hello=world&foo=bar',
    SERVER_NAME: 'lambda-url-id.lambda-url.us-west-2.on.aws',
    REMOTE_ADDR: '127.0.0.1',
    HTTP_COOKIE: 'foo=bar; hello=hello',
    CONTENT_LENGTH: '18',
  },
  'cloudfront-docs--lambda-event-structure-example-origin-request.json': {
    kind: 'edge',
    REQUEST_METHOD: 'GET',
    SCRIPT_NAME: '',
    PATH_INFO: '/',
    QUERY_STRING: '',
    SERVER_NAME: 'example.org',
    REMOTE_ADDR: '203.0.113.178',
    CONTENT_LENGTH: '0',
  },
  'dotnet--alb-request-multi-value.json': { kind: 'alb-multi', status: 400 },
  'dotnet--cookies-get-multiple-httpapi-v2-request.json': {
    kind: 'aws-v2',
    REQUEST_METHOD: 'GET',
    SCRIPT_NAME: '',
    PATH_INFO: '/api/cookietests/TestCookie3',
    QUERY_STRING: '',
    SERVER_NAME: 'uo9pe23ec6.execute-api.us-east-1.amazonaws.com',
    REMOTE_ADDR: '192.182.149.40',
    HTTP_COOKIE: 'TestCookie1=TestValue1; TestCookie2=TestValue2; TestCookie3=TestValue3',
    CONTENT_LENGTH: '0',
  },
  'dotnet--encode-plus-in-resource-path-httpapi-v2.json': {
    kind: 'aws-v2',
    REQUEST_METHOD: 'GET',
    SCRIPT_NAME: '',
    PATH_INFO: '/foo+bar',
    QUERY_STRING: '',
    SERVER_NAME: 'uo9pe23ec6.execute-api.us-east-1.amazonaws.com',
    REMOTE_ADDR: '192.182.149.40',
    CONTENT_LENGTH: '0',
  },
  'dotnet--encode-slash-in-resource-path-httpapi-v2.json': {
    kind: 'aws-v2',
    REQUEST_METHOD: 'GET',
    SCRIPT_NAME: '',
    PATH_INFO: '/api/resourcepath/encoding/a/b',
    QUERY_STRING: '',
    SERVER_NAME: 'uo9pe23ec6.execute-api.us-east-1.amazonaws.com',
    REMOTE_ADDR: '192.182.149.40',
    CONTENT_LENGTH: '0',
  },
  'dotnet--encode-slash-in-resource-path.json': {
    kind: 'aws-v1',
    REQUEST_METHOD: 'GET',
    SCRIPT_NAME: '/Prod',
    PATH_INFO: '/api/resourcepath/encoding/a/b',
    QUERY_STRING: '',
    SERVER_NAME: 'uy8hsm9y23.execute-api.us-west-2.amazonaws.com',
    REMOTE_ADDR: '50.35.64.182',
    CONTENT_LENGTH: '0',
  },
  'dotnet--encode-space-in-resource-path-and-query.json': {
    kind: 'aws-v1',
    REQUEST_METHOD: 'GET',
    SCRIPT_NAME: '/Prod',
    PATH_INFO: '/foo bar',
    QUERY_STRING: 'greeting=hello%20world',
    SERVER_NAME: 'm1138alqlk.execute-api.us-west-2.amazonaws.com',
    REMOTE_ADDR: '50.35.77.7',
    CONTENT_LENGTH: '0',
  },
  'dotnet--encode-space-in-resource-path-httpapi-v2.json': {
    kind: 'aws-v2',
    REQUEST_METHOD: 'GET',
    SCRIPT_NAME: '',
    PATH_INFO: '/api/resourcepath/string/tmh/file name.xml',
    REQUEST_URI: '/api/resourcepath/string/tmh/file%20name.xml',
    QUERY_STRING: '',
    SERVER_NAME: 'uo9pe23ec6.execute-api.us-east-1.amazonaws.com',
    REMOTE_ADDR: '192.182.149.40',
    CONTENT_LENGTH: '0',
  },
  'dotnet--mtls-request-httpapi-v2.json': {
    kind: 'aws-v2',
    REQUEST_METHOD: 'GET',
    SCRIPT_NAME: '',
    PATH_INFO: '/api/mtlstest',
    QUERY_STRING: '',
    SERVER_NAME: 'uo9pe23ec6.execute-api.us-east-1.amazonaws.com',
    REMOTE_ADDR: '192.182.149.40',
    REMOTE_USER: 'normj',
    CONTENT_LENGTH: '0',
  },
  'dotnet--rawtarget-escaped-percent-in-path-httpapi-v2.json': {
    kind: 'aws-v2',
    REQUEST_METHOD: 'GET',
    SCRIPT_NAME: '',
    PATH_INFO: '/foo%bar',
    QUERY_STRING: '',
    SERVER_NAME: 'uo9pe23ec6.execute-api.us-east-1.amazonaws.com',
    REMOTE_ADDR: '192.182.149.40',
    CONTENT_LENGTH: '0',
  },
  'dotnet--rawtarget-escaped-percent-in-path.json': {
    kind: 'aws-v1',
    REQUEST_METHOD: 'GET',
    SCRIPT_NAME: '/Prod',
    PATH_INFO: '/foo%bar',
    REQUEST_URI: '/Prod/foo%25bar',
    QUERY_STRING: '',
    SERVER_NAME: 'zzqupfvhrk.execute-api.us-west-2.amazonaws.com',
    REMOTE_ADDR: '50.35.77.7',
    REMOTE_USER: 'normj',
    CONTENT_LENGTH: '0',
  },
  'dotnet--rawtarget-escaped-slash-in-path-alb.json': {
    kind: 'alb',
    REQUEST_METHOD: 'GET',
    SCRIPT_NAME: '',
    PATH_INFO: '/foo/bar',
    QUERY_STRING: '',
    SERVER_NAME: 'localhost',
    CONTENT_LENGTH: '0',
  },
  'dotnet--trailing-slash-in-path-httpapi-v2.json': {
    kind: 'aws-v2',
    REQUEST_METHOD: 'GET',
    SCRIPT_NAME: '/beta',
    PATH_INFO: '/foo/',
    QUERY_STRING: '',
    SERVER_NAME: 'uo9pe23ec6.execute-api.us-east-1.amazonaws.com',
    REMOTE_ADDR: '192.182.149.40',
    CONTENT_LENGTH: '0',
  },
  'dotnet--values-get-all-httpapi-v2-with-stage.json': {
    kind: 'aws-v2',
    REQUEST_METHOD: 'GET',
    SCRIPT_NAME: '/beta',
    PATH_INFO: '/api/values',
    REQUEST_URI: '/beta/api/values',
    QUERY_STRING: '',
    SERVER_NAME: 'uzdrcy3wk7.execute-api.us-east-1.amazonaws.com',
    REMOTE_ADDR: '192.182.149.40',
    CONTENT_LENGTH: '0',
  },
  'dotnet--values-get-querystring-httpapi-v2-encoding-request.json': {
    kind: 'aws-v2',
    REQUEST_METHOD: 'GET',
    SCRIPT_NAME: '',
    PATH_INFO: '/api/rawquerystring/json',
    QUERY_STRING:
      'url=http://www.google.com&testDateTimeOffset=2019-03-12T16%3A06%3A06.549817%2B00%3A00',
    SERVER_NAME: 'uo9pe23ec6.execute-api.us-east-1.amazonaws.com',
    REMOTE_ADDR: '192.182.149.40',
    CONTENT_LENGTH: '0',
  },
  'dotnet--values-get-querystring-httpapi-v2-mv-request.json': {
    kind: 'aws-v2',
    REQUEST_METHOD: 'GET',
    SCRIPT_NAME: '',
    PATH_INFO: '/api/querystring',
    QUERY_STRING: 'firstName=Lewis&lastName=Meriwether&mv-test=value1&mv-test=value2',
    SERVER_NAME: 'uo9pe23ec6.execute-api.us-east-1.amazonaws.com',
    REMOTE_ADDR: '192.182.149.40',
    CONTENT_LENGTH: '0',
  },
  'dotnet--values-put-binary-alb-request.json': {
    kind: 'alb',
    REQUEST_METHOD: 'PUT',
    SCRIPT_NAME: '',
    PATH_INFO: '/api/binary',
    QUERY_STRING: '',
    SERVER_NAME: 'lambda-846800462-us-east-2.elb.amazonaws.com',
    REMOTE_ADDR: '72.21.198.66',
    HTTP_COOKIE: 'cookies',
    CONTENT_LENGTH: '20',
  },
  'dotnet--values-put-withbody-httpapi-v2-request.json': {
    kind: 'aws-v2',
    REQUEST_METHOD: 'PUT',
    SCRIPT_NAME: '',
    PATH_INFO: '/api/bodytests',
    QUERY_STRING: '',
    SERVER_NAME: 'uo9pe23ec6.execute-api.us-east-1.amazonaws.com',
    REMOTE_ADDR: '192.182.149.40',
    CONTENT_LENGTH: '41',
  },
  'dotnet-testtool--cloudfront-ab-test.json': {
    kind: 'edge',
    REQUEST_METHOD: 'GET',
    SCRIPT_NAME: '',
    PATH_INFO: '/experiment-pixel.jpg',
    QUERY_STRING: '',
    SERVER_NAME: 'd123.cf.net',
    REMOTE_ADDR: '2001:cdba::3257:9652',
    HTTP_COOKIE: 'SomeCookie=1; AnotherOne=A; X-Experiment-Name=B',
    CONTENT_LENGTH: '0',
  },
  'java-libs--cloudfront_event.json': {
    kind: 'edge',
    REQUEST_METHOD: 'GET',
    SCRIPT_NAME: '',
    PATH_INFO: '/test',
    QUERY_STRING: '',
    SERVER_NAME: 'd123.cf.net',
    REMOTE_ADDR: '2001:cdba::3257:9652',
    CONTENT_LENGTH: '0',
  },
  'lambda-dev-guide--java-events-cloudfront.json': {
    kind: 'edge',
    REQUEST_METHOD: 'GET',
    SCRIPT_NAME: '',
    PATH_INFO: '/picture.jpg',
    QUERY_STRING: '',
    SERVER_NAME: 'd111111abcdef8.cloudfront.net',
    REMOTE_ADDR: '203.0.113.178',
    CONTENT_LENGTH: '0',
  },
  'lambda-dev-guide--nodejs-apig-event-v2.json': {
    kind: 'aws-v2',
    REQUEST_METHOD: 'GET',
    SCRIPT_NAME: '/default',
    PATH_INFO: '/nodejs-apig-function-1G3XMPLZXVXYI',
    QUERY_STRING: '',
    SERVER_NAME: 'r3pmxmplak.execute-api.us-east-2.amazonaws.com',
    REMOTE_ADDR: '205.255.255.176',
    HTTP_COOKIE: 's_fid=7AABXMPL1AFD9BBF-0643XMPL09956DE2; regStatus=pre-register',
    CONTENT_LENGTH: '0',
  },
  'lambda-dev-guide--nodejs-apig-event.json': {
    kind: 'aws-v1',
    REQUEST_METHOD: 'GET',
    SCRIPT_NAME: '/Prod',
    PATH_INFO: '/',
    QUERY_STRING: '',
    SERVER_NAME: '70ixmpl4fl.execute-api.ca-central-1.amazonaws.com',
    REMOTE_ADDR: '52.255.255.12',
    HTTP_COOKIE: 's_fid=7AABXMPL1AFD9BBF-0643XMPL09956DE2; regStatus=pre-register;',
    CONTENT_LENGTH: '0',
  },
  'powertools-py--albEvent.json': {
    kind: 'alb',
    REQUEST_METHOD: 'GET',
    SCRIPT_NAME: '',
    PATH_INFO: '/lambda',
    QUERY_STRING: 'query=1234ABCD',
    SERVER_NAME: 'lambda-alb-123578498.us-east-2.elb.amazonaws.com',
    REMOTE_ADDR: '72.12.164.125',
    CONTENT_LENGTH: '4',
  },
  'powertools-py--albMultiValueQueryStringEvent.json': {
    kind: 'alb-multi',
    REQUEST_METHOD: 'GET',
    SCRIPT_NAME: '',
    PATH_INFO: '/todos',
    QUERY_STRING: 'parameter1=value1&parameter1=value2&parameter2=value',
    SERVER_NAME: 'alb-c-loadb-14pofkyclbnsf-1815800096.eu-central-1.elb.amazonaws.com',
    REMOTE_ADDR: '123.123.123.123',
    CONTENT_LENGTH: '0',
  },
  'powertools-py--apiGatewayProxyEvent.json': {
    kind: 'aws-v1',
    REQUEST_METHOD: 'GET',
    SCRIPT_NAME: '',
    PATH_INFO: '/my/path',
    QUERY_STRING: 'parameter1=value1&parameter1=value2&parameter2=value',
    SERVER_NAME: 'id.execute-api.us-east-1.amazonaws.com',
    REMOTE_ADDR: '192.168.0.1',
    CONTENT_LENGTH: '18',
  },
  'powertools-py--lambdaFunctionUrlEvent.json': {
    kind: 'function-url',
    REQUEST_METHOD: 'GET',
    SCRIPT_NAME: '',
    PATH_INFO: '/',
    QUERY_STRING: '',
    SERVER_NAME: '<url-id>.lambda-url.us-east-1.on.aws',
    REMOTE_ADDR: '123.123.123.123',
    CONTENT_LENGTH: '0',
  },
  'powertools-py--lambdaFunctionUrlIAMEvent.json': {
    kind: 'function-url',
    REQUEST_METHOD: 'POST',
    SCRIPT_NAME: '',
    PATH_INFO: '/my/path',
    QUERY_STRING: 'parameter1=value1&parameter1=value2&parameter2=value',
    SERVER_NAME: '<url-id>.lambda-url.us-west-2.on.aws',
    REMOTE_ADDR: '123.123.123.123',
    REMOTE_USER: 'arn:aws:iam::111122223333:user/example-user',
    HTTP_COOKIE: 'cookie1; cookie2',
    CONTENT_LENGTH: '18',
  },
  'powertools-ts--apigw-http-iam-auth.json': {
    kind: 'aws-v2',
    REQUEST_METHOD: 'POST',
    SCRIPT_NAME: '',
    PATH_INFO: '/iam',
    QUERY_STRING: '',
    SERVER_NAME: 'lsw1ro4ipb.execute-api.eu-west-1.amazonaws.com',
    REMOTE_ADDR: '15.248.3.126',
    REMOTE_USER: 'arn:aws:sts::123456789012:assumed-role/Admin/aamorosi',
    CONTENT_LENGTH: '0',
  },
  'powertools-ts--apigw-http-jwt-authorizer-auth.json': {
    kind: 'aws-v2',
    REQUEST_METHOD: 'POST',
    SCRIPT_NAME: '',
    PATH_INFO: '/cognito',
    QUERY_STRING: '',
    SERVER_NAME: 'lsw1ro4ipb.execute-api.eu-west-1.amazonaws.com',
    REMOTE_ADDR: '15.248.3.126',
    REMOTE_USER: 'aamorosi',
    CONTENT_LENGTH: '0',
  },
  'powertools-ts--apigw-http-no-auth.json': {
    kind: 'aws-v2',
    REQUEST_METHOD: 'POST',
    SCRIPT_NAME: '',
    PATH_INFO: '/lambda',
    QUERY_STRING: '',
    SERVER_NAME: 'lsw1ro4ipb.execute-api.eu-west-1.amazonaws.com',
    REMOTE_ADDR: '15.248.3.126',
    CONTENT_LENGTH: '0',
  },
  'powertools-ts--apigw-rest-console-test-ui.json': {
    kind: 'aws-v1',
    REQUEST_METHOD: 'POST',
    SCRIPT_NAME: '',
    PATH_INFO: '/no-auth',
    QUERY_STRING: '',
    SERVER_NAME: 'testprefix.testdomainname',
    REMOTE_ADDR: 'test-invoke-source-ip',
    REMOTE_USER: 'arn:aws:sts::123456789012:assumed-role/Admin/aamorosi',
    CONTENT_LENGTH: '0',
  },
  'powertools-ts--apigw-rest-iam-auth.json': {
    kind: 'aws-v1',
    REQUEST_METHOD: 'POST',
    SCRIPT_NAME: '/prod',
    PATH_INFO: '/iam',
    QUERY_STRING: '',
    SERVER_NAME: 'puhdx84jy9.execute-api.eu-west-1.amazonaws.com',
    REMOTE_ADDR: '15.248.3.126',
    REMOTE_USER: 'arn:aws:sts::123456789012:assumed-role/Admin/aamorosi',
    CONTENT_LENGTH: '0',
  },
  'powertools-ts--apigw-rest-jwt-authorizer-auth.json': {
    kind: 'aws-v1',
    REQUEST_METHOD: 'POST',
    SCRIPT_NAME: '/prod',
    PATH_INFO: '/cognito',
    QUERY_STRING: '',
    SERVER_NAME: 'puhdx84jy9.execute-api.eu-west-1.amazonaws.com',
    REMOTE_ADDR: '15.248.3.126',
    REMOTE_USER: 'aamorosi',
    CONTENT_LENGTH: '0',
  },
  'powertools-ts--apigw-rest-lambda-authorizer-auth.json': {
    kind: 'aws-v1',
    REQUEST_METHOD: 'POST',
    SCRIPT_NAME: '/prod',
    PATH_INFO: '/lambda-token',
    QUERY_STRING: '',
    SERVER_NAME: 'puhdx84jy9.execute-api.eu-west-1.amazonaws.com',
    REMOTE_ADDR: '15.248.3.126',
    REMOTE_USER: 'user',
    CONTENT_LENGTH: '0',
  },
  'powertools-ts--apigw-rest-no-auth.json': {
    kind: 'aws-v1',
    REQUEST_METHOD: 'POST',
    SCRIPT_NAME: '/prod',
    PATH_INFO: '/no-auth',
    REQUEST_URI: '/prod/no-auth',
    QUERY_STRING: '',
    SERVER_NAME: 'puhdx84jy9.execute-api.eu-west-1.amazonaws.com',
    REMOTE_ADDR: '15.248.3.126',
    CONTENT_LENGTH: '0',
  },
  'rust-runtime--alb_health_check.json': {
    kind: 'alb',
    REQUEST_METHOD: 'GET',
    SCRIPT_NAME: '',
    PATH_INFO: '/',
    QUERY_STRING: '',
    SERVER_NAME: 'localhost',
    CONTENT_LENGTH: '0',
  },
  'rust-runtime--alb_multi_value_request_encoded_query_parameters.json': {
    kind: 'alb-multi',
    REQUEST_METHOD: 'GET',
    SCRIPT_NAME: '',
    PATH_INFO: '/',
    QUERY_STRING: 'myKey=%3FshowAll%3Dtrue&myKey=%3FshowAll%3Dfalse',
    SERVER_NAME: 'lambda-846800462-us-east-2.elb.amazonaws.com',
    REMOTE_ADDR: '72.21.198.66',
    HTTP_COOKIE: 'name1=value1; name2=value2',
    CONTENT_LENGTH: '12',
  },
  'rust-runtime--alb_request_encoded_query_parameters.json': {
    kind: 'alb',
    REQUEST_METHOD: 'GET',
    SCRIPT_NAME: '',
    PATH_INFO: '/',
    REQUEST_URI: '/?myKey=%3FshowAll%3Dtrue',
    QUERY_STRING: 'myKey=%3FshowAll%3Dtrue',
    SERVER_NAME: 'lambda-846800462-us-east-2.elb.amazonaws.com',
    REMOTE_ADDR: '72.21.198.66',
    HTTP_COOKIE: 'cookies',
    CONTENT_LENGTH: '12',
  },
  'rust-runtime--apigw_v2_proxy_request_minimal.json': {
    kind: 'aws-v2',
    REQUEST_METHOD: 'GET',
    SCRIPT_NAME: '',
    PATH_INFO: '/',
    QUERY_STRING: '',
    SERVER_NAME: 'xxx.execute-api.us-east-1.amazonaws.com',
    REMOTE_ADDR: '65.78.31.245',
    CONTENT_LENGTH: '0',
  },
  'rust-runtime--apigw_v2_sam_local.json': {
    kind: 'aws-v2',
    REQUEST_METHOD: 'GET',
    SCRIPT_NAME: '',
    PATH_INFO: '/hello',
    QUERY_STRING: '',
    SERVER_NAME: '127.0.0.1',
    REMOTE_ADDR: '127.0.0.1',
    CONTENT_LENGTH: '0',
  },
  'rust-runtime--example-apigw-request-multi-value-parameters.json': {
    kind: 'aws-v1',
    REQUEST_METHOD: 'POST',
    SCRIPT_NAME: '',
    PATH_INFO: '/hello/world',
    QUERY_STRING: 'name=me&name=me2',
    SERVER_NAME: 'gy415nuibc.execute-api.us-east-1.amazonaws.com',
    REMOTE_ADDR: '192.168.196.186',
    REMOTE_USER: 'admin',
    CONTENT_LENGTH: '13',
  },
  'rust-runtime--example-apigw-sam-rest-request.json': {
    kind: 'aws-v1',
    REQUEST_METHOD: 'GET',
    SCRIPT_NAME: '',
    PATH_INFO: '/test',
    QUERY_STRING: '',
    SERVER_NAME: '127.0.0.1',
    REMOTE_ADDR: '127.0.0.1',
    CONTENT_LENGTH: '0',
  },
  'rust-runtime--lambda_function_url_request.json': {
    kind: 'function-url',
    REQUEST_METHOD: 'GET',
    SCRIPT_NAME: '',
    PATH_INFO: '/my/path',
    QUERY_STRING: 'parameter1=value1&parameter1=value2&parameter2=value',
    SERVER_NAME: 'id.lambda-url.eu-west-2.on.aws',
    REMOTE_ADDR: '65.78.31.245',
    HTTP_COOKIE: 'test=hi',
    CONTENT_LENGTH: '0',
  },
  'serverless-express--alb-event.json': {
    kind: 'alb-multi',
    REQUEST_METHOD: 'POST',
    SCRIPT_NAME: '',
    PATH_INFO: '/users',
    QUERY_STRING: '',
    SERVER_NAME: 'aws-ser-alb-p9y7dvwm0r42-2135869912.us-east-1.elb.amazonaws.com',
    REMOTE_ADDR: '72.21.198.66',
    CONTENT_LENGTH: '26',
  },
  'serverless-express--basic-starter-api-gateway-v1-api-gateway-event.json': {
    kind: 'aws-v1',
    REQUEST_METHOD: 'POST',
    SCRIPT_NAME: '/prod',
    PATH_INFO: '/users',
    QUERY_STRING: '',
    SERVER_NAME: 'xxxxxx.execute-api.us-east-1.amazonaws.com',
    REMOTE_ADDR: '11.111.111.111',
    CONTENT_LENGTH: '37',
  },
  'serverless-express--basic-starter-api-gateway-v2-api-gateway-event.json': {
    kind: 'aws-v2',
    REQUEST_METHOD: 'GET',
    SCRIPT_NAME: '',
    PATH_INFO: '/users',
    QUERY_STRING: '',
    SERVER_NAME: '6bwvllq3t2.execute-api.us-east-1.amazonaws.com',
    REMOTE_ADDR: '203.123.103.37',
    CONTENT_LENGTH: '0',
  },
  'serverless-express--lambda-edge-event.json': {
    kind: 'edge',
    REQUEST_METHOD: 'GET',
    SCRIPT_NAME: '',
    PATH_INFO: '/',
    QUERY_STRING: '',
    SERVER_NAME: 'd3qj9vk9486y6c.cloudfront.net',
    REMOTE_ADDR: '203.123.103.37',
    CONTENT_LENGTH: '14',
  },
};

const CHECKED_FIELDS = [
  'REQUEST_METHOD',
  'SCRIPT_NAME',
  'PATH_INFO',
  'QUERY_STRING',
  'SERVER_NAME',
  'REMOTE_ADDR',
  'REMOTE_USER',
  'HTTP_COOKIE',
  'CONTENT_LENGTH',
];

/** The request body the front end meant, decoded independently of the adapter. */
function sentBody(event: Record<string, unknown>): Buffer {
  const records = event.Records as { cf: { request: { body?: { data: string } } } }[] | undefined;
  if (records) return Buffer.from(records[0]!.cf.request.body?.data ?? '', 'base64');
  const body = typeof event.body === 'string' ? event.body : '';
  return Buffer.from(body, event.isBase64Encoded ? 'base64' : 'utf8');
}

/** The exact keys each front end's result may carry. */
const SHAPES: Record<EventKindName, string[]> = {
  'aws-v1': ['body', 'headers', 'isBase64Encoded', 'multiValueHeaders', 'statusCode'],
  'aws-v2': ['body', 'cookies', 'headers', 'isBase64Encoded', 'statusCode'],
  'function-url': ['body', 'cookies', 'headers', 'isBase64Encoded', 'statusCode'],
  alb: ['body', 'headers', 'isBase64Encoded', 'statusCode', 'statusDescription'],
  'alb-multi': ['body', 'isBase64Encoded', 'multiValueHeaders', 'statusCode', 'statusDescription'],
  edge: ['body', 'bodyEncoding', 'headers', 'status', 'statusDescription'],
};

const fixtures = requestFixtures();
if (!haveFixtures) console.log(`aws fixtures conformance: skipped, ${fixturesDir} is absent`);

describe.skipIf(!haveFixtures)('every captured request event', () => {
  it('is listed here, and every listed file exists', () => {
    expect(fixtures.map(([name]) => name).sort()).toEqual(Object.keys(EXPECTED).sort());
    expect(fixtures.length).toBe(57);
  });

  it.each(fixtures)('%s', async (name, event) => {
    const expected = EXPECTED[name]!;
    const checked = lint(echoApp);
    const log = captureLog();
    const context = { awsRequestId: 'test-request' };
    const result = await handler(checked, log)(event as never, context);

    expect(Object.keys(result).sort()).toEqual(SHAPES[expected.kind]);
    const response = decodeResult(expected.kind, result);
    expect(checked.violations).toEqual([]);

    if (expected.status !== undefined) {
      // Refused before the app: it was never called.
      expect(response.statusCode).toBe(expected.status);
      expect(log.lines.join('\n')).toMatch(/not valid base64/);
      expect(() => checked.assertClosed()).not.toThrow();
      return;
    }
    checked.assertClosed();
    expect(response.statusCode).toBe(200);
    expect(log.lines).toEqual([]);

    const echo = JSON.parse(Buffer.from(response.body).toString('utf8')) as Echo;
    for (const field of CHECKED_FIELDS) {
      expect.soft(echo.environ[field], field).toBe(expected[field]);
    }
    // Checked where a file shows something particular about it.
    if (expected.REQUEST_URI !== undefined)
      expect(echo.environ.REQUEST_URI).toBe(expected.REQUEST_URI);
    expect(Buffer.from(echo.body, 'base64').equals(sentBody(event))).toBe(true);
    expect(echo.environ.CONTENT_LENGTH).toBe(String(sentBody(event).byteLength));
    expect(echo.environ).not.toHaveProperty('HTTP_CONTENT_LENGTH');
    expect(echo.hasEvent && echo.hasContext).toBe(true);

    // Every Set-Cookie arrives, whatever the front end.
    const cookies = response.headers
      .filter(([key]) => key.toLowerCase() === 'set-cookie')
      .map(([, value]) => value);
    expect(cookies).toEqual(THREE_COOKIES);
  });
});
