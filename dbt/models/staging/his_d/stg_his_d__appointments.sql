{{ stage_his_appointments('his_d') }}
