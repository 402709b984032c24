-- POST a new user with an address no request has used before: every answer should be a 201.
function request()
  return create_user_request()
end
